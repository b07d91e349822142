import type { WazapinMessage } from '../api/interfaces/wazapin-message.interface.js';

/** The event types whose payload names a WhatsApp message by its `message_id`. */
export const WAZAPIN_MESSAGE_EVENT_TYPES: ReadonlySet<string> = new Set(['message.new', 'message.sent']);

/** What reads a message's content: a registration's `WazapinWebhooksApiService`. */
export interface MessageReader {
  getMessage(messageId: string): Promise<WazapinMessage>;
}

/**
 * Gives a `message.new` or `message.sent` event its `fetchMessage()`: the message its
 * `message_id` names, read by the registration's API client. Not enumerable, so the event's
 * data stays as it was for JSON, equality and queue jobs; other events are left alone.
 */
export function withFetchMessage<E extends { readonly type: string; readonly payload: unknown }>(event: E, reader: MessageReader): E {
  if (WAZAPIN_MESSAGE_EVENT_TYPES.has(event.type)) {
    const messageId = (event.payload as { message_id?: unknown }).message_id as string;
    Object.defineProperty(event, 'fetchMessage', { value: () => reader.getMessage(messageId) });
  }
  return event;
}
