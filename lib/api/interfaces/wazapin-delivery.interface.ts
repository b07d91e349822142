/**
 * State of one delivery attempt.
 *
 * @publicApi
 */
export type WazapinDeliveryStatus = 'success' | 'pending' | 'failed' | 'sending';

/**
 * What started an attempt: the platform's schedule, or a manual retry or test.
 *
 * @publicApi
 */
export type WazapinDeliveryTrigger = 'scheduled' | 'manual';

/**
 * One delivery attempt of a message to an endpoint, as the API returns it (modelled on
 * Svix's message attempt). Unknown fields are kept.
 *
 * @publicApi
 */
export interface WazapinDelivery {
  id: string;
  /** The delivery id the receiver sees in `svix-id` / `webhook-id`; the same across retries. */
  message_id: string;
  endpoint_id: string;
  event_type?: string;
  status: WazapinDeliveryStatus | (string & {});
  /** HTTP status the endpoint answered; absent or null when it could not be reached. */
  response_status_code?: number | null;
  /** What the endpoint answered, as text. */
  response?: string | null;
  /** 1 for the first attempt, counting up across retries. */
  attempt?: number;
  /** When the attempt was made (ISO 8601). */
  timestamp: string;
  url?: string;
  trigger?: WazapinDeliveryTrigger | (string & {});
  [field: string]: unknown;
}

/**
 * What a retry request returns.
 *
 * @publicApi
 */
export interface WazapinDeliveryRetry {
  message_id: string;
  [field: string]: unknown;
}

/**
 * What a send-test request returns.
 *
 * @publicApi
 */
export interface WazapinTestDelivery {
  message_id?: string;
  event_type?: string;
  [field: string]: unknown;
}
