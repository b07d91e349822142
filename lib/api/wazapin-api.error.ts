/**
 * Details of a failed Wazapin API call.
 *
 * @publicApi
 */
export interface WazapinApiErrorDetails {
  /** HTTP status; `undefined` when no response came (network error, timeout). */
  status: number | undefined;
  /** The API's error code, or `network_error`, `timeout`, `invalid_response`, `http_<status>`. */
  code: string;
  message: string;
  method: string;
  /** Path (and query) of the request, without the base URL. */
  path: string;
  /** Per-field messages of a 422, when the API gave them. */
  fields?: Record<string, string[]>;
  /** The `Retry-After` the API sent, in seconds. */
  retryAfterSeconds?: number;
  /** How many HTTP attempts were made. */
  attempts: number;
  cause?: unknown;
}

/**
 * A Wazapin API call failed: an error answer, or no answer after the allowed retries. Carries
 * the API's status, code and message and the request's method and path; never the API key.
 *
 * @publicApi
 */
export class WazapinApiError extends Error {
  override readonly name = 'WazapinApiError';
  readonly status: number | undefined;
  readonly code: string;
  /** The API's own error message (or what went wrong when it did not answer). */
  readonly apiMessage: string;
  readonly method: string;
  readonly path: string;
  readonly fields?: Record<string, string[]>;
  readonly retryAfterSeconds?: number;
  readonly attempts: number;

  constructor(details: WazapinApiErrorDetails) {
    super(`Wazapin API ${details.method} ${details.path} failed${details.status ? ` with ${details.status}` : ''}: ${details.message}`, {
      cause: details.cause,
    });
    this.status = details.status;
    this.code = details.code;
    this.apiMessage = details.message;
    this.method = details.method;
    this.path = details.path;
    this.fields = details.fields;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.attempts = details.attempts;
  }
}
