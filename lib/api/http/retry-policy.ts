import type { NetworkErrorInfo } from './network-error.js';

/** Error codes of a connection that failed before any byte of the request was sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Methods whose repetition leaves the server as one call would. Our PATCH sends the fields to set, so it is. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);

/** What became of one HTTP attempt, as far as retrying is concerned. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfterMs?: number }
  | { kind: 'network'; reachedServer: boolean };

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

/** True when a failed connection surely never delivered the request. */
export function neverReachedServer(error: NetworkErrorInfo): boolean {
  return error.code !== undefined && NOT_SENT_CODES.has(error.code);
}

/**
 * May this attempt be retried? Network failures and 429/5xx may be, 4xx never. A call that
 * is not idempotent is retried only when the server surely did not act on it: the connection
 * was refused, it answered 429 (rate limited before processing), or 503 with `Retry-After`
 * (the API's way to mark a request safe to repeat).
 */
export function isRetryable(method: string, outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'network') {
    return !outcome.reachedServer || isIdempotent(method);
  }
  const { status } = outcome;
  if (status === 429 || (status === 503 && outcome.retryAfterMs !== undefined)) {
    return true;
  }
  return status >= 500 && status !== 501 && isIdempotent(method);
}

/** Exponential backoff with equal jitter: between half and all of `base * 2^retry`, capped. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** `Retry-After` in ms: delta seconds or an HTTP date. `undefined` when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') {
    return undefined;
  }
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) {
    return Number(value) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
