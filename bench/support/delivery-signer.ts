import { createHmac } from 'node:crypto';

/** Headers and body of one signed delivery, as sent over HTTP. */
export interface SignedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Signs deliveries as Wazapin does (Standard Webhooks `v1`, `webhook-*` headers), with the key
 * decoded once: the load generator signs hundreds of thousands. Independent of the library's
 * own code, so the benchmark does not grade the verifier with its own signer.
 */
export class DeliverySigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  }

  sign(id: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): SignedRequest {
    const signature = createHmac('sha256', this.key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
    return {
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestampSeconds),
        'webhook-signature': `v1,${signature}`,
      },
      body,
    };
  }
}
