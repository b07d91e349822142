import type { WazapinEventPayloadMap } from './wazapin-event-payloads.interface.js';

/**
 * The event types Wazapin documents.
 *
 * @publicApi
 */
export const WAZAPIN_EVENT_TYPES = [
  'message.new',
  'message.sent',
  'message.status_update',
  'conversation.updated',
  'contact.updated',
  'template.status_update',
] as const satisfies readonly (keyof WazapinEventPayloadMap)[];

/**
 * A catalogued event type.
 *
 * @publicApi
 */
export type WazapinKnownEventType = keyof WazapinEventPayloadMap;

/**
 * Any event type. The catalogued ones autocomplete; others are accepted, since Wazapin has
 * more than it documents.
 *
 * @publicApi
 */
export type WazapinEventType = WazapinKnownEventType | (string & {});

/** True when `type` is one of the catalogued event types. */
export function isKnownWazapinEventType(type: string): type is WazapinKnownEventType {
  return (WAZAPIN_EVENT_TYPES as readonly string[]).includes(type);
}
