import { isUtf8 } from 'node:buffer';
import { packageRequire } from '../utils/commonjs-scope.cjs';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import type { WebhookSignatureHeaders } from './webhook-headers.js';
import { checkWebhookTimestamp } from './webhook-timestamp.js';
import type {
  WebhookVerificationResult,
  WebhookVerifier,
  WebhookVerifierOptions,
} from './webhook-verifier.interface.js';

/** svix 1.x enforces its own fixed window; a wider one could never be honoured. */
const SVIX_TOLERANCE_SECONDS = 300;

interface SvixWebhook {
  verify(payload: string | Buffer, headers: Record<string, string>): unknown;
}
type SvixWebhookClass = new (key: Uint8Array, options: { format: 'raw' }) => SvixWebhook;

function loadSvix(): SvixWebhookClass {
  try {
    return (packageRequire('svix') as { Webhook: SvixWebhookClass }).Webhook;
  } catch {
    throw new WazapinConfigurationError(
      'WazapinWebhooksModule: verifier "svix" needs the svix package (1.x). Install it with `npm install svix@1`, or use the default "native" verifier.',
    );
  }
}

/**
 * Verification delegated to the `svix` library's `Webhook` class (an optional dependency),
 * trying each configured secret. The timestamp is checked here first, strictly and with the
 * configured tolerance, so both verifiers reject the same timestamps.
 */
export class SvixWebhookVerifier implements WebhookVerifier {
  private readonly webhooks: SvixWebhook[];
  private readonly toleranceSeconds: number;

  constructor(options: WebhookVerifierOptions) {
    if (options.toleranceSeconds > SVIX_TOLERANCE_SECONDS) {
      throw new WazapinConfigurationError(
        `WazapinWebhooksModule: verifier "svix" cannot accept timestamps more than ${SVIX_TOLERANCE_SECONDS} s away; lower toleranceSeconds or use the "native" verifier.`,
      );
    }
    const Webhook = loadSvix();
    this.webhooks = options.keys.map((key) => new Webhook(key, { format: 'raw' }));
    this.toleranceSeconds = options.toleranceSeconds;
  }

  verify(headers: WebhookSignatureHeaders, body: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): WebhookVerificationResult {
    const timestamp = checkWebhookTimestamp(headers.timestamp, this.toleranceSeconds, nowSeconds);
    if (!timestamp.ok) {
      return timestamp;
    }
    // svix verifies `body.toString()`, a lossy UTF-8 decoding: other bytes that decode to the
    // signed text (an invalid byte for U+FFFD) would pass. Only bytes that decode exactly count.
    if (!isUtf8(body)) {
      return { ok: false, reason: 'body-not-utf8' };
    }
    const svixHeaders = {
      'webhook-id': headers.id,
      'webhook-timestamp': headers.timestamp,
      'webhook-signature': headers.signature,
    };
    for (const webhook of this.webhooks) {
      if (svixAccepts(webhook, body, svixHeaders)) {
        return timestamp;
      }
    }
    return { ok: false, reason: 'no-matching-signature' };
  }
}

function svixAccepts(webhook: SvixWebhook, body: Buffer, headers: Record<string, string>): boolean {
  try {
    webhook.verify(body, headers);
    return true;
  } catch (error) {
    // svix parses the body after a signature matched: a JSON error means the signature was good.
    return error instanceof SyntaxError;
  }
}
