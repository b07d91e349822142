import type { WazapinKnownEventType } from './wazapin-event-type.js';

const MESSAGE_STATUSES = new Set(['sent', 'delivered', 'read', 'failed']);

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Guesses a catalogued event type from a flat payload's fields, as a last resort when
 * neither the path, an envelope nor a header names it. The rules, first match wins:
 *
 * 1. `message_id` and a message `status` (sent, delivered, read, failed) → `message.status_update`
 * 2. `message_id` and `direction: "outbound"` → `message.sent`
 * 3. `message_id` and `direction: "inbound"` or a `from_phone` → `message.new`
 * 4. `message_id` and any other `status` (e.g. `pending`) → `message.status_update`
 * 5. `template_id` or `template_name` without `message_id` → `template.status_update`
 * 6. `conversation_id` without `message_id` → `conversation.updated`
 * 7. `contact_id` without `conversation_id` or `message_id` → `contact.updated`
 *
 * A message's own events come first: an outbound message may name the template it was sent
 * with. Returns `undefined` when no rule matches.
 */
export function inferWazapinEventType(payload: Record<string, unknown>): WazapinKnownEventType | undefined {
  if (isString(payload.message_id)) {
    if (isString(payload.status) && MESSAGE_STATUSES.has(payload.status)) {
      return 'message.status_update';
    }
    if (payload.direction === 'outbound') {
      return 'message.sent';
    }
    if (payload.direction === 'inbound' || isString(payload.from_phone)) {
      return 'message.new';
    }
    return isString(payload.status) ? 'message.status_update' : undefined;
  }
  if (isString(payload.template_id) || isString(payload.template_name)) {
    return 'template.status_update';
  }
  if (isString(payload.conversation_id)) {
    return 'conversation.updated';
  }
  if (isString(payload.contact_id)) {
    return 'contact.updated';
  }
  return undefined;
}
