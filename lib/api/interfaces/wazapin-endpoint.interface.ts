/**
 * A webhook endpoint as the Wazapin API returns it. Field names follow the API (snake_case);
 * fields the API adds later are kept, never dropped.
 *
 * @publicApi
 */
export interface WazapinEndpoint {
  id: string;
  /** Where deliveries are POSTed. */
  url: string;
  description?: string;
  /** Event types delivered to this endpoint; empty or absent means all. */
  event_types?: string[];
  /** A disabled endpoint receives nothing. */
  disabled?: boolean;
  /** Signing secret (`whsec_...`); returned on create and rotate only. */
  secret?: string;
  created_at?: string;
  updated_at?: string;
  metadata?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * What `GET /v1/settings/developer/webhooks` returns.
 *
 * @publicApi
 */
export interface WazapinWebhookSettings {
  endpoints: WazapinEndpoint[];
  /** Event types the organization can subscribe to, when the API lists them. */
  event_types?: string[];
  [field: string]: unknown;
}
