import { randomUUID } from 'node:crypto';
import type { WazapinEventPayloadMap } from '../events/wazapin-event-payloads.interface.js';
import type { WazapinEventPayload } from '../events/wazapin-event.interface.js';
import { isKnownWazapinEventType, type WazapinEventType, type WazapinKnownEventType } from '../events/wazapin-event-type.js';

/**
 * Fields to set on a sample payload: typed for catalogued events. A field set to `undefined`
 * is left out of the body, since the body is JSON-encoded.
 *
 * @publicApi
 */
export type WazapinPayloadOverrides<T extends WazapinEventType> = T extends WazapinKnownEventType
  ? Partial<WazapinEventPayloadMap[T]>
  : Record<string, unknown>;

type SampleFactories = { [T in WazapinKnownEventType]: () => WazapinEventPayloadMap[T] };

const PHONE = '6281234567890';
const CHANNEL = 'wzp_abc123';

const SAMPLES: SampleFactories = {
  'message.new': () => ({
    message_id: randomUUID(),
    conversation_id: randomUUID(),
    contact_id: randomUUID(),
    channel_id: CHANNEL,
    direction: 'inbound',
    from_phone: PHONE,
    msg_type: 'text',
  }),
  'message.sent': () => ({
    message_id: randomUUID(),
    conversation_id: randomUUID(),
    contact_id: randomUUID(),
    channel_id: CHANNEL,
    direction: 'outbound',
    to_phone: PHONE,
    msg_type: 'text',
  }),
  'message.status_update': () => ({
    message_id: randomUUID(),
    conversation_id: randomUUID(),
    status: 'delivered',
    organization_id: 'org_123',
  }),
  'conversation.updated': () => ({
    conversation_id: randomUUID(),
    contact_id: randomUUID(),
    status: 'open',
    assignee_id: 'usr_agent_1',
  }),
  'contact.updated': () => ({
    contact_id: randomUUID(),
    name: 'Siti Rahma',
    phone: PHONE,
  }),
  'template.status_update': () => ({
    template_id: `tpl_${randomUUID()}`,
    template_name: 'order_confirmation',
    language: 'id',
    status: 'approved',
    reason: null,
  }),
};

/**
 * A realistic payload of a catalogued event, with fresh ids on every call (so two samples are
 * never deduplicated as one message), and `overrides` applied on top. Each sample's shape also
 * lets the receiver infer its type when it is posted flat to the base route. For an event type
 * outside the catalog, the payload is `overrides` alone.
 *
 * @publicApi
 */
export function sampleWazapinPayload<T extends WazapinEventType>(
  type: T,
  overrides?: WazapinPayloadOverrides<T>,
): WazapinEventPayload<T> {
  const sample: Record<string, unknown> = isKnownWazapinEventType(type) ? SAMPLES[type]() : {};
  for (const [field, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) {
      delete sample[field];
    } else {
      sample[field] = value;
    }
  }
  return sample as WazapinEventPayload<T>;
}
