import type { WebhookVerificationResult } from './webhook-verifier.interface.js';

/**
 * Checks a timestamp header: a plain integer of Unix seconds, within `toleranceSeconds` of now
 * in either direction. Stricter than svix, which accepts trailing garbage ("123abc").
 */
export function checkWebhookTimestamp(
  header: string,
  toleranceSeconds: number,
  nowSeconds: number,
): WebhookVerificationResult {
  const seconds = Number(header);
  if (!Number.isSafeInteger(seconds) || String(seconds) !== header) {
    return { ok: false, reason: 'invalid-timestamp' };
  }
  if (nowSeconds - seconds > toleranceSeconds) {
    return { ok: false, reason: 'timestamp-too-old' };
  }
  if (seconds - nowSeconds > toleranceSeconds) {
    return { ok: false, reason: 'timestamp-too-new' };
  }
  return { ok: true, timestamp: new Date(seconds * 1000) };
}
