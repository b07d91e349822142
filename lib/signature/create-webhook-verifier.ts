import { NativeWebhookVerifier } from './native-webhook-verifier.js';
import { SvixWebhookVerifier } from './svix-webhook-verifier.js';
import type { WebhookVerifier, WebhookVerifierOptions } from './webhook-verifier.interface.js';

/** Which verifier checks signatures: Node's crypto, or the svix library. */
export type WebhookVerifierKind = 'native' | 'svix';

/** A verifier of the given kind for the given keys. */
export function createWebhookVerifier(kind: WebhookVerifierKind, options: WebhookVerifierOptions): WebhookVerifier {
  return kind === 'svix' ? new SvixWebhookVerifier(options) : new NativeWebhookVerifier(options);
}
