import { isUtf8 } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from './hmac-sha256.js';
import type { WebhookSignatureHeaders } from './webhook-headers.js';
import { checkWebhookTimestamp } from './webhook-timestamp.js';
import type {
  WebhookVerificationResult,
  WebhookVerifier,
  WebhookVerifierOptions,
} from './webhook-verifier.interface.js';

/** Length of the base64 text of a SHA-256 digest: 43 digits and one `=`. */
const SIGNATURE_TEXT_LENGTH = 44;
const NO_MATCH: WebhookVerificationResult = { ok: false, reason: 'no-matching-signature' };
const NOT_UTF8: WebhookVerificationResult = { ok: false, reason: 'body-not-utf8' };

/**
 * Standard Webhooks verification on Node's `crypto`: HMAC-SHA256 of `{id}.{timestamp}.{body}`
 * over the raw bytes, compared in constant time with every `v1` signature in the header. A body
 * that is not valid UTF-8 is refused (`body-not-utf8`), as the svix verifier must.
 *
 * A signature is compared as text with the canonical base64 of the expected digest. That
 * accepts exactly what decoding it would: only one text encodes a digest canonically, and
 * Buffer's lenient decoder (which skips stray characters) never gets to see the header.
 */
export class NativeWebhookVerifier implements WebhookVerifier {
  private readonly hmac: HmacSha256;
  private readonly keyCount: number;
  private readonly toleranceSeconds: number;
  // Scratch space for the two texts compared. `verify` is synchronous, so one pair per
  // verifier serves every call, and the hot path allocates no buffers.
  private readonly expected = Buffer.alloc(SIGNATURE_TEXT_LENGTH);
  private readonly received = Buffer.alloc(SIGNATURE_TEXT_LENGTH);

  constructor(options: WebhookVerifierOptions) {
    this.hmac = new HmacSha256(options.keys);
    this.keyCount = options.keys.length;
    this.toleranceSeconds = options.toleranceSeconds;
  }

  verify(headers: WebhookSignatureHeaders, body: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): WebhookVerificationResult {
    const timestamp = checkWebhookTimestamp(headers.timestamp, this.toleranceSeconds, nowSeconds);
    if (!timestamp.ok) {
      return timestamp;
    }
    // The platform signs JSON, which is UTF-8; svix cannot verify other bytes, so neither does this.
    if (!isUtf8(body)) {
      return NOT_UTF8;
    }
    const candidates = v1Signatures(headers.signature);
    if (candidates.length === 0) {
      return NO_MATCH;
    }
    const prefix = `${headers.id}.${headers.timestamp}.`;
    for (let key = 0; key < this.keyCount; key++) {
      this.expected.write(this.hmac.base64(key, prefix, body), 'latin1');
      for (const candidate of candidates) {
        // Written as UTF-8, a non-ASCII character becomes bytes above 0x7f, which never equal
        // the ASCII expected text; one that does not fit leaves the write short, and the
        // scratch's stale tail must not count, hence `filled`.
        const filled = this.received.write(candidate, 'utf8') === SIGNATURE_TEXT_LENGTH;
        if (timingSafeEqual(this.received, this.expected) && filled) {
          return timestamp;
        }
      }
    }
    return NO_MATCH;
  }
}

/**
 * The base64 text of the `v1,<base64>` entries of a space-separated signature header that
 * have the length of a SHA-256 signature; other versions (`v1a`) and other lengths are
 * skipped. Text after a second comma is ignored, as svix does. Scans with `indexOf` rather
 * than `split`: this runs on every delivery.
 */
function v1Signatures(header: string): string[] {
  const signatures: string[] = [];
  for (let start = 0; start < header.length; ) {
    const space = header.indexOf(' ', start);
    const end = space === -1 ? header.length : space;
    if (header.startsWith('v1,', start)) {
      const comma = header.indexOf(',', start + 3);
      const stop = comma === -1 || comma > end ? end : comma;
      if (stop - start - 3 === SIGNATURE_TEXT_LENGTH) {
        signatures.push(header.slice(start + 3, stop));
      }
    }
    start = end + 1;
  }
  return signatures;
}
