import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { NativeWebhookVerifier } from '../../lib/signature/native-webhook-verifier.js';
import { decodeWebhookSecrets } from '../../lib/signature/webhook-secret.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/sign-wazapin-delivery.js';
import { statusUpdateBody } from '../support/status-update-body.js';

/** One call of a contender on the case's delivery; true when it accepted it. */
export type VerifyCall = () => boolean;

/** The contenders, in the order the table shows them. */
export const VERIFY_CONTENDERS = ['native', 'svix', 'floor'] as const;
export type VerifyContender = (typeof VERIFY_CONTENDERS)[number];

interface SvixWebhook {
  verify(payload: Buffer, headers: Record<string, string>): unknown;
}
const { Webhook } = createRequire(import.meta.url)('svix') as { Webhook: new (secret: string) => SvixWebhook };

/**
 * The three ways to verify one signed delivery of `bytes` bytes with `secretCount` secrets
 * configured, of which only the last signed it (rotation's worst case):
 * - `native`: this module's `NativeWebhookVerifier.verify`;
 * - `svix`: svix 1.x `Webhook.verify`, one `Webhook` per secret tried in order, as svix documents
 *   for rotation (it throws on a mismatch, so a miss costs an exception);
 * - `floor`: a bare `createHmac` per secret over the same bytes and `timingSafeEqual` against the
 *   already-decoded signature: a minimal verifier built on `createHmac`, without reading headers
 *   or checking the timestamp.
 */
export function verifyContenders(bytes: number, secretCount: number): Record<VerifyContender, VerifyCall> {
  const secrets = Array.from({ length: secretCount }, () => generateWazapinSecret());
  const signer = secrets[secrets.length - 1];
  const body = statusUpdateBody(bytes);
  const delivery = signWazapinDelivery({ secret: signer, body: body.toString('utf8'), headers: 'webhook' });
  const headers = { id: delivery.id, timestamp: String(delivery.timestamp), signature: delivery.headers['webhook-signature'] };

  const keys = decodeWebhookSecrets(secrets);
  const native = new NativeWebhookVerifier({ keys, toleranceSeconds: 300 });
  const svix = secrets.map((secret) => new Webhook(secret));
  const signature = Buffer.from(headers.signature.slice('v1,'.length), 'base64');
  const prefix = `${headers.id}.${headers.timestamp}.`;

  return {
    native: () => native.verify(headers, body).ok,
    svix: () => svix.some((webhook) => svixAccepts(webhook, body, delivery.headers)),
    floor: () => keys.some((key) => timingSafeEqual(createHmac('sha256', key).update(prefix).update(body).digest(), signature)),
  };
}

function svixAccepts(webhook: SvixWebhook, body: Buffer, headers: Record<string, string>): boolean {
  try {
    webhook.verify(body, headers);
    return true;
  } catch {
    return false;
  }
}
