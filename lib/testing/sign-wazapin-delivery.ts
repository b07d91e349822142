import { createHmac, randomBytes } from 'node:crypto';
import { decodeWebhookSecrets } from '../signature/webhook-secret.js';

/**
 * Input of {@link signWazapinDelivery}.
 *
 * @publicApi
 */
export interface SignWazapinDeliveryInput {
  /** Signing secret(s); with several, the header carries one signature per secret (rotation). */
  secret?: string;
  secrets?: string | string[];
  /** The exact body to send: a string is sent as is, an object is JSON-encoded once. */
  body: string | Buffer | object;
  /** Delivery id. Default: a fresh `msg_...` id. */
  id?: string;
  /** Unix seconds, or a Date. Default: now. */
  timestamp?: number | Date;
  /** Header family. Default `'svix'`. */
  headers?: 'svix' | 'webhook';
}

/**
 * Headers and body of a signed delivery, ready to send.
 *
 * @publicApi
 */
export interface SignedWazapinDelivery {
  id: string;
  timestamp: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * Signs a delivery as Wazapin does (Standard Webhooks `v1`), returning the headers to send
 * with the body. For tests and local tools; never needed in production code.
 *
 * @publicApi
 */
export function signWazapinDelivery(input: SignWazapinDeliveryInput): SignedWazapinDelivery {
  if (input.secret === undefined && input.secrets === undefined) {
    throw new TypeError('signWazapinDelivery: give the signing `secret` (or `secrets`) the receiver is configured with');
  }
  const keys = decodeWebhookSecrets(input.secrets ?? input.secret);
  const id = input.id ?? `msg_${randomBytes(12).toString('base64url')}`;
  const timestamp =
    input.timestamp instanceof Date
      ? Math.floor(input.timestamp.getTime() / 1000)
      : (input.timestamp ?? Math.floor(Date.now() / 1000));
  const body =
    typeof input.body === 'string' ? input.body : Buffer.isBuffer(input.body) ? input.body.toString('utf8') : JSON.stringify(input.body);
  const signature = keys
    .map((key) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`)
    .join(' ');
  const prefix = input.headers ?? 'svix';
  return {
    id,
    timestamp,
    body,
    headers: {
      'content-type': 'application/json',
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(timestamp),
      [`${prefix}-signature`]: signature,
    },
  };
}

/**
 * A random valid signing secret (`whsec_` + base64 of 32 bytes).
 *
 * @publicApi
 */
export function generateWazapinSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
