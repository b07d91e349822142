import type { WebhookSignatureHeaders } from './webhook-headers.js';

/** Why a delivery failed verification. */
export type WebhookVerificationFailure =
  | 'invalid-timestamp'
  | 'timestamp-too-old'
  | 'timestamp-too-new'
  | 'no-matching-signature'
  /** The body is not valid UTF-8, so it cannot be the JSON the platform signs. */
  | 'body-not-utf8';

export type WebhookVerificationResult =
  | { ok: true; timestamp: Date }
  | { ok: false; reason: WebhookVerificationFailure };

/** Checks a delivery's signature and timestamp against the configured secrets. */
export interface WebhookVerifier {
  verify(headers: WebhookSignatureHeaders, body: Buffer, nowSeconds?: number): WebhookVerificationResult;
}

/** Verifier settings shared by the implementations. */
export interface WebhookVerifierOptions {
  /** HMAC keys of the signing secrets (see `decodeWebhookSecrets`); any of them may match. */
  keys: readonly Buffer[];
  /** Largest accepted distance between the timestamp and now, past or future. */
  toleranceSeconds: number;
}
