import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Webhook } from 'svix';
import { OnWazapinEvent, WazapinWebhooksModule, type WazapinEvent } from '../../lib/index.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, startTestApp, type TestApp } from '../support/webhook-app.js';

/*
 * Must-show 2: a delivery signed by the svix library, as Wazapin's Svix-based infrastructure
 * signs it, reaches a typed handler in a real Nest app over real HTTP, with either header
 * family, on Express and Fastify, with the default native verifier and with `verifier: 'svix'`.
 */

/** What the typed handler saw, read through the typed payload. */
interface Received {
  event: WazapinEvent<'message.new'>;
  fromPhone: string | undefined;
  direction: 'inbound' | 'outbound';
}

/** The reference's `message.new` example, with its own message id so deliveries are not deduplicated. */
function inboundText(messageId: string): string {
  // Spaced as a non-JS sender might write it: the signature covers these exact bytes.
  return `{"message_id": "${messageId}", "conversation_id": "0f89b0f9-74b4-44f9-b9b6-48f6d4de57aa", "contact_id": "c1a2b3c4-d5e6-7890-abcd-ef1234567890", "channel_id": "wzp_abc123", "direction": "inbound", "from_phone": "6281234567890", "msg_type": "text"}`;
}

describe.each(ADAPTERS)('a svix-signed delivery on %s', (adapter) => {
  describe.each([
    ['the default native verifier', {}],
    ["verifier: 'svix'", { verifier: 'svix' as const }],
  ])('with %s', (_name, verifierOption) => {
    // A Svix endpoint secret: "whsec_" and 24 random bytes in base64.
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const received: Received[] = [];
    let app: TestApp;

    @Injectable()
    class MessageHandler {
      @OnWazapinEvent('message.new')
      onMessage(event: WazapinEvent<'message.new'>) {
        // Typed access: `npm test` type-checks this file, so an untyped payload fails the build.
        const fromPhone: string | undefined = event.payload.from_phone;
        const direction: 'inbound' | 'outbound' = event.payload.direction;
        received.push({ event, fromPhone, direction });
      }
    }

    beforeAll(async () => {
      app = await startTestApp(adapter, {
        imports: [WazapinWebhooksModule.forRoot({ secrets: secret, ...verifierOption })],
        providers: [MessageHandler],
      });
    });

    afterAll(() => app.close());

    it.each(['svix', 'webhook'])('reaches the typed handler when sent with %s-* headers', async (family) => {
      const id = `msg_${randomBytes(12).toString('base64url')}`;
      const messageId = `9f1fd66d-${randomBytes(6).toString('hex')}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const body = inboundText(messageId);
      const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
      const before = received.length;

      const response = await app.post(
        {
          'content-type': 'application/json',
          [`${family}-id`]: id,
          [`${family}-timestamp`]: String(timestamp),
          [`${family}-signature`]: signature,
        },
        body,
      );

      expect(response.status).toBe(200);
      expect(response.json).toEqual({ received: true });
      // The default dispatch answers before the handler runs.
      await waitUntil('the handler to run', () => received.length > before);
      expect(received).toHaveLength(before + 1);
      const { event, fromPhone, direction } = received[before];
      expect(event).toMatchObject({ id, type: 'message.new', timestamp: new Date(timestamp * 1000), payload: JSON.parse(body) });
      expect(event.headers[`${family}-id`]).toBe(id);
      expect(event.receivedAt.getTime()).toBeGreaterThanOrEqual(timestamp * 1000);
      expect({ fromPhone, direction }).toEqual({ fromPhone: '6281234567890', direction: 'inbound' });
    });
  });
});
