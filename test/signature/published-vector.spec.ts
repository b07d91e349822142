import { Webhook } from 'svix';
import { NativeWebhookVerifier } from '../../lib/signature/native-webhook-verifier.js';
import { SvixWebhookVerifier } from '../../lib/signature/svix-webhook-verifier.js';
import { decodeWebhookSecrets } from '../../lib/signature/webhook-secret.js';
import { signWazapinDelivery } from '../../lib/testing/index.js';

/*
 * The test vector published in the platform reference (Standard Webhooks / Svix). Values are
 * copied from the document, not computed, so they check our code against the published contract.
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const headers = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: VECTOR.signature };
const body = Buffer.from(VECTOR.body);
const verifierOptions = { keys: decodeWebhookSecrets(VECTOR.secret), toleranceSeconds: 300 };

describe('published test vector', () => {
  it('verifies with the native verifier at the moment it was signed', () => {
    const verifier = new NativeWebhookVerifier(verifierOptions);

    expect(verifier.verify(headers, body, VECTOR.timestamp)).toEqual({ ok: true, timestamp: new Date(VECTOR.timestamp * 1000) });
  });

  it('is rejected by the native verifier when the body was re-encoded, as a parse-and-stringify would do', () => {
    const verifier = new NativeWebhookVerifier(verifierOptions);
    const reencoded = Buffer.from(JSON.stringify(JSON.parse(VECTOR.body))); // drops the space after ":"

    expect(verifier.verify(headers, reencoded, VECTOR.timestamp)).toEqual({ ok: false, reason: 'no-matching-signature' });
  });

  it('is what the svix library itself computes for it', () => {
    // svix's `verify` always checks its own 300 s window against the real clock, and the vector
    // is from 2021, so svix can only be shown to agree with the vector through `sign`.
    const signature = new Webhook(VECTOR.secret).sign(VECTOR.id, new Date(VECTOR.timestamp * 1000), VECTOR.body);

    expect(signature).toBe(VECTOR.signature);
  });

  it('is rejected as too old by both verifiers at the real time, since its timestamp is from 2021', () => {
    for (const verifier of [new NativeWebhookVerifier(verifierOptions), new SvixWebhookVerifier(verifierOptions)]) {
      expect(verifier.verify(headers, body)).toEqual({ ok: false, reason: 'timestamp-too-old' });
    }
  });

  it('cannot be verified by the svix verifier even with nowSeconds set to its timestamp', () => {
    // `nowSeconds` moves our own tolerance check only: the svix library behind it reads the real
    // clock, finds the vector years old and rejects it. This is why the svix side of the vector
    // is shown through `Webhook.sign` above.
    const verifier = new SvixWebhookVerifier(verifierOptions);

    expect(verifier.verify(headers, body, VECTOR.timestamp).ok).toBe(false);
  });

  it("is what the package's testing helper signs, so users' tests send genuine signatures", () => {
    const signed = signWazapinDelivery({ secret: VECTOR.secret, id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body });

    expect(signed.headers['svix-signature']).toBe(VECTOR.signature);
    expect(signed.body).toBe(VECTOR.body);
  });

  it("with its secret, id and body signed by svix now, verifies with both verifiers at the real time", () => {
    const now = Math.floor(Date.now() / 1000);
    const signature = new Webhook(VECTOR.secret).sign(VECTOR.id, new Date(now * 1000), VECTOR.body);
    const fresh = { id: VECTOR.id, timestamp: String(now), signature };

    for (const verifier of [new NativeWebhookVerifier(verifierOptions), new SvixWebhookVerifier(verifierOptions)]) {
      expect(verifier.verify(fresh, body)).toEqual({ ok: true, timestamp: new Date(now * 1000) });
    }
  });
});
