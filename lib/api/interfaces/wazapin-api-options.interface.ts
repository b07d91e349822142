import type { WazapinEndpoint } from './wazapin-endpoint.interface.js';

/**
 * How `WazapinWebhooksApiService` reaches the Wazapin API: the module's `api` option.
 *
 * @publicApi
 */
export interface WazapinApiOptions {
  /**
   * API key, sent as `Authorization: Bearer <key>`. Only the service needs it; receiving
   * webhooks does not. Calling the service without it throws a `WazapinConfigurationError`.
   */
  apiKey?: string;
  /**
   * Default `https://api.wazapin.id`. Must be https, or plain http to a loopback host (the
   * emulator), and hold no username or password: the API key is sent to it.
   */
  baseUrl?: string;
  /** Sent as `X-Organization-Slug` to pick the organization. */
  organizationSlug?: string;
  /** Time limit of each HTTP attempt. Default 10 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt, when a retry is safe. Default 3. */
  retries?: number;
  /** First backoff delay; each retry doubles it, with jitter. Default 250 ms. */
  retryDelayMs?: number;
  /**
   * Longest wait before a retry. A `Retry-After` asking for longer is not waited for: the call
   * fails with the 429/503 and its `retryAfterSeconds`. Default 30 000 ms.
   */
  maxRetryDelayMs?: number;
}

/**
 * The account a client made by `WazapinWebhooksApiService.withOptions` acts for.
 *
 * @publicApi
 */
export interface WazapinApiAccount {
  /** That account's API key. */
  apiKey: string;
  /** That account's organization, sent as `X-Organization-Slug`. Default: none (the key's own). */
  organizationSlug?: string;
}

/**
 * The module's `autoRegister` option: keep this app's endpoint in Wazapin in step at startup.
 *
 * @publicApi
 */
export interface WazapinAutoRegisterOptions {
  /** The public URL of this app's webhook route. The endpoint is found by it. */
  url: string;
  /**
   * Event types to subscribe to. Default: the types the app's `@OnWazapinEvent` handlers name,
   * all when one of them is `'*'`.
   */
  eventTypes?: string[];
  description?: string;
  /** Fail the app's startup when registration fails. Default `false`: the failure is logged. */
  required?: boolean;
  /**
   * Called when an endpoint was created, with its signing secret, e.g. to store it where the
   * app's `secrets` option reads from. The module does not log the secret.
   */
  onCreated?: (endpoint: WazapinEndpoint) => void | Promise<void>;
}
