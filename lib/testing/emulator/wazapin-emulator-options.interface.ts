import type { WazapinMessage } from '../../api/interfaces/wazapin-message.interface.js';
/**
 * Shape of list pages: `next_cursor` (Wazapin), `iterator`/`done` (Svix), or a page nested in `{ data }`.
 *
 * @publicApi
 */
export type WazapinEmulatorPagination = 'next_cursor' | 'iterator' | 'nested';

/**
 * Options of {@link WazapinEmulator.start}.
 *
 * @publicApi
 */
export interface WazapinEmulatorOptions {
  /** Port on 127.0.0.1. Default 0: a free port (read {@link WazapinEmulator.baseUrl}). */
  port?: number;
  /** The API key requests must carry as `Authorization: Bearer <key>`. Default: a random one. */
  apiKey?: string;
  /**
   * When set, a request whose `X-Organization-Slug` names another organization is refused (403).
   * Requests without the header use this organization.
   */
  organizationSlug?: string;
  /**
   * Factor applied to the platform's retry schedule (at once, then 5 s, 5 min, 30 min, 2 h, 5 h,
   * 10 h and 10 h).
   * Default 1 (real delays); `0.0001` makes the whole ~28 h schedule take about 10 s.
   */
  retryScale?: number;
  /** Delays before each attempt, overriding the platform's schedule (before scaling). */
  retrySchedule?: readonly number[];
  /** How long a rotated-out secret keeps signing alongside the new one. Default 24 h. */
  secretGracePeriodMs?: number;
  /** How long a delivery may take before it counts as failed. Default 15 s, as the platform. */
  deliveryTimeoutMs?: number;
  /** Body of deliveries: `'flat'` (the event's fields, default) or `'envelope'` (`{ event_id, event_type, data }`). */
  body?: 'flat' | 'envelope';
  /** Signature header family. Default `'svix'`. */
  headers?: 'svix' | 'webhook';
  /** When set, deliveries carry the event type in this header too (for flat bodies to one URL). */
  eventTypeHeader?: string;
  /** Event types endpoints may subscribe to; others answer 422. Default: the catalogued ones. */
  eventTypes?: readonly string[];
  /** Page shape of list responses. Default `'next_cursor'`. */
  pagination?: WazapinEmulatorPagination;
  /** Page size when the query gives no `limit`. Default 50. */
  defaultPageSize?: number;
  /** Answer 429 with `Retry-After` beyond `limit` API requests per `windowMs`. Default: no limit. */
  rateLimit?: { limit: number; windowMs: number };
}

/**
 * An API request the emulator answered, as recorded by {@link WazapinEmulator.requests}.
 *
 * @publicApi
 */
export interface WazapinEmulatorRequest {
  method: string;
  /** Path and query, as received (path parameters still encoded). */
  url: string;
  /** The `X-Organization-Slug` header, if sent. */
  organizationSlug?: string;
  /** True when the request carried the emulator's API key. */
  authorized: boolean;
  /** The parsed JSON body, if any. */
  body?: unknown;
  /** Status the emulator answered; 0 when an injected fault dropped the connection. */
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/**
 * Options of {@link WazapinEmulator.publish}.
 *
 * @publicApi
 */
export interface WazapinPublishOptions {
  /** Body shape for this event, overriding the emulator's `body` option. */
  body?: 'flat' | 'envelope';
  /** Delivery id (`svix-id`). Default: a fresh `msg_...`. */
  id?: string;
  /**
   * For a `message.new` or `message.sent` with a `message_id`: fields of the message that
   * `GET /v1/messages/{message_id}` then serves (`text`, `media`, …), over those the payload gives
   * (`id`, `conversation_id`, `direction`, `msg_type`) and a `created_at` of now.
   */
  message?: Omit<Partial<WazapinMessage>, 'id'>;
  /** A fault for the first attempt to each endpoint; the retries that follow are sent normally. */
  fault?: WazapinEmulatorFault;
}

/**
 * A fault for one delivery attempt, to try how an app copes with the retries that follow:
 * - `timeout`: sent, but the answer is ignored, as if it came after the delivery timeout;
 * - `http-500`: not sent, recorded as answered 500;
 * - `drop`: not sent, recorded as a connection that broke.
 *
 * @publicApi
 */
export type WazapinEmulatorFault = 'timeout' | 'http-500' | 'drop';

/** The faults {@link WazapinEmulatorFault} names, for validating input. */
export const WAZAPIN_EMULATOR_FAULTS: readonly WazapinEmulatorFault[] = ['timeout', 'http-500', 'drop'];

/**
 * What {@link WazapinEmulator.publish} did.
 *
 * @publicApi
 */
export interface WazapinPublishResult {
  /** The delivery id endpoints see, the same across retries. */
  messageId: string;
  /** Endpoints the event is being delivered to. */
  endpointIds: string[];
}

/**
 * Options of the `failNextRequests` fault.
 *
 * @publicApi
 */
export interface WazapinRequestFailure {
  /** Status to answer. Default 503. */
  status?: number;
  /** Sent as the `Retry-After` header, in seconds. */
  retryAfterSeconds?: number;
}

/**
 * Filters of {@link WazapinEmulator.deliveries}; timestamps as ISO 8601 strings.
 *
 * @publicApi
 */
export interface WazapinEmulatorDeliveryFilter {
  endpoint_id?: string;
  message_id?: string;
  status?: string;
  event_type?: string;
  since?: string;
  until?: string;
}
