import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeWebhookSecrets } from './webhook-secret.js';
import type { WebhookSignatureHeaders } from './webhook-headers.js';
import { checkWebhookTimestamp } from './webhook-timestamp.js';
import type {
  WebhookVerificationResult,
  WebhookVerifier,
  WebhookVerifierOptions,
} from './webhook-verifier.interface.js';

const SHA256_BYTES = 32;
const NO_MATCH: WebhookVerificationResult = { ok: false, reason: 'no-matching-signature' };

/**
 * Standard Webhooks verification on Node's `crypto`: HMAC-SHA256 of `{id}.{timestamp}.{body}`
 * over the raw bytes, compared in constant time with every `v1` signature in the header.
 */
export class NativeWebhookVerifier implements WebhookVerifier {
  private readonly keys: Buffer[];
  private readonly toleranceSeconds: number;

  constructor(options: WebhookVerifierOptions) {
    this.keys = decodeWebhookSecrets(options.secrets);
    this.toleranceSeconds = options.toleranceSeconds;
  }

  verify(headers: WebhookSignatureHeaders, body: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): WebhookVerificationResult {
    const timestamp = checkWebhookTimestamp(headers.timestamp, this.toleranceSeconds, nowSeconds);
    if (!timestamp.ok) {
      return timestamp;
    }
    const candidates = v1Signatures(headers.signature);
    if (candidates.length === 0) {
      return NO_MATCH;
    }
    const prefix = `${headers.id}.${headers.timestamp}.`;
    for (const key of this.keys) {
      const expected = createHmac('sha256', key).update(prefix).update(body).digest();
      if (candidates.some((candidate) => timingSafeEqual(candidate, expected))) {
        return timestamp;
      }
    }
    return NO_MATCH;
  }
}

/**
 * Decodes the `v1,<base64>` entries of a space-separated signature header; other versions
 * (`v1a`) and malformed entries are skipped. Text after a second comma is ignored, as svix does.
 */
function v1Signatures(header: string): Buffer[] {
  const signatures: Buffer[] = [];
  for (const entry of header.split(' ')) {
    if (!entry.startsWith('v1,')) {
      continue;
    }
    const end = entry.indexOf(',', 3);
    const text = end === -1 ? entry.slice(3) : entry.slice(3, end);
    const decoded = Buffer.from(text, 'base64');
    // Buffer's decoder skips invalid characters, so only a canonical encoding counts.
    if (decoded.length === SHA256_BYTES && decoded.toString('base64') === text) {
      signatures.push(decoded);
    }
  }
  return signatures;
}
