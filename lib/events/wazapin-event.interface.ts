import type { WazapinMessage } from '../api/interfaces/wazapin-message.interface.js';
import type { WazapinPayloadViolation } from '../validation/wazapin-payload-violation.interface.js';
import type { WazapinEventPayloadMap } from './wazapin-event-payloads.interface.js';
import type { WazapinEventType } from './wazapin-event-type.js';

/**
 * Payload of event type `T`: typed for catalogued events, a plain object otherwise.
 *
 * @publicApi
 */
export type WazapinEventPayload<T extends WazapinEventType> = T extends keyof WazapinEventPayloadMap
  ? WazapinEventPayloadMap[T]
  : Record<string, unknown>;

/**
 * How the event type of a delivery was found.
 *
 * @publicApi
 */
export type WazapinEventTypeSource = 'path' | 'envelope' | 'header' | 'shape' | 'unresolved';

/** One delivery of event type `T`; see {@link WazapinEvent}. */
interface WazapinEventOfType<T extends WazapinEventType> {
  /** Delivery id (`svix-id` / `webhook-id`): the same across the platform's retries. */
  readonly id: string;
  /** Event type; `'unknown'` when it could not be resolved. */
  readonly type: T;
  /** How {@link type} was resolved. */
  readonly typeSource: WazapinEventTypeSource;
  /** When the platform signed this attempt (the timestamp header). */
  readonly timestamp: Date;
  /** When this process received it. */
  readonly receivedAt: Date;
  /** The event's fields; for an envelope body, its `data`. */
  readonly payload: WazapinEventPayload<T>;
  /**
   * Request headers, lower-cased. In `dispatch: 'queue'`, only those `queue.headers` lets into
   * the job (no credentials or signatures by default).
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The name of the module registration that received it (`forRoot({ name })`); `'default'` when unnamed. */
  readonly account: string;
  /** The tenant it was posted for (`/{path}/{tenant}`), in a `tenants` registration only. */
  readonly tenant?: string;
  /**
   * With `validatePayloads`, what the payload failed: set on invalid events only, which reach
   * wildcard (`'*'`) handlers only.
   */
  readonly invalid?: readonly WazapinPayloadViolation[];
}

/**
 * What a `message.status_update` event has with `statusOrder`.
 *
 * @publicApi
 */
export interface WazapinStatusEventFields {
  /**
   * With `statusOrder`, whether a status of the same rank or above was handled already for the
   * message: `true` only in `'flag'` mode (`'drop'` dispatches no stale update); `undefined`
   * without `statusOrder`.
   */
  readonly stale?: boolean;
}

/**
 * What a `message.new` or `message.sent` event has beyond its data: the content of the message
 * it names (the event carries metadata only).
 *
 * @publicApi
 */
export interface WazapinMessageEventMethods {
  /**
   * The message `payload.message_id` names, read with `getMessage` by the registration's
   * `WazapinWebhooksApiService`: it needs the registration's `api` options, and fails as
   * `getMessage` does (a `WazapinApiError`, a `WazapinConfigurationError` without an API key).
   */
  fetchMessage(): Promise<WazapinMessage>;
}

/**
 * One verified, deduplicated delivery, as handed to `@OnWazapinEvent` handlers. For a union of
 * types it is a union of events, so checking `event.type` narrows `event.payload` (and gives a
 * `message.new` or `message.sent` its `fetchMessage()`):
 *
 * ```ts
 * onCrmChange(event: WazapinEvent<'contact.updated' | 'conversation.updated'>) {
 *   if (event.type === 'contact.updated') event.payload.contact_id;
 * }
 * ```
 *
 * @publicApi
 */
export type WazapinEvent<T extends WazapinEventType = WazapinEventType> = T extends WazapinEventType
  ? WazapinEventOfType<T> &
      (T extends 'message.new' | 'message.sent' ? WazapinMessageEventMethods : unknown) &
      (T extends 'message.status_update' ? WazapinStatusEventFields : unknown)
  : never;
