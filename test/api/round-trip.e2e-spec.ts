import { type INestApplication, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnWazapinEvent, WazapinWebhooksApiService, WazapinWebhooksModule, type WazapinEvent } from '../../lib/index.js';
import { generateWazapinSecret, WazapinEmulator } from '../../lib/testing/index.js';
import { freePort } from '../support/free-port.js';

/** What the app's handler saw, shared across the app's restarts. */
class Inbox {
  readonly events: WazapinEvent<'message.new'>[] = [];
  /** Message ids the handler fails on, so the app answers 500. */
  readonly failing = new Set<string>();
}

@Injectable()
class MessagesHandler {
  constructor(private readonly inbox: Inbox) {}

  @OnWazapinEvent('message.new')
  onMessage(event: WazapinEvent<'message.new'>): void {
    if (this.inbox.failing.has(event.payload.message_id)) {
      throw new Error('not today');
    }
    this.inbox.events.push(event);
  }
}

/** The user's app: the module (with the API pointed at the emulator) and one handler, on `port`. */
async function startApp(port: number, secrets: string[], emulator: WazapinEmulator, inbox: Inbox): Promise<INestApplication> {
  @Module({
    imports: [
      WazapinWebhooksModule.forRoot({
        secrets,
        dispatch: 'inline',
        api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl },
      }),
    ],
    providers: [{ provide: Inbox, useValue: inbox }, MessagesHandler],
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { rawBody: true, logger: false });
  await app.listen(port, '127.0.0.1');
  return app;
}

function signatureCount(event: WazapinEvent): number {
  return event.headers['svix-signature'].split(' ').length;
}

describe('round trip: a Nest app manages its endpoint in the emulator and receives its deliveries', () => {
  let emulator: WazapinEmulator;
  let app: INestApplication | undefined;

  beforeEach(async () => {
    // The whole 28 h schedule in about 0.1 s; a 1.5 s secret grace period.
    emulator = await WazapinEmulator.start({ retryScale: 0.000001, secretGracePeriodMs: 1500 });
  });

  afterEach(async () => {
    await app?.close();
    await emulator.close();
  });

  it('creates the endpoint, receives, survives a secret rotation, and recovers a failed delivery by retry', async () => {
    const inbox = new Inbox();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/webhooks/wazapin`;

    // First deploy: the app has no endpoint yet; it creates one through its service.
    app = await startApp(port, [generateWazapinSecret()], emulator, inbox);
    const endpoint = await app.get(WazapinWebhooksApiService).createEndpoint({ url, event_types: ['message.new'] });
    await app.close();

    // Redeployed with the endpoint's secret: a published event reaches the handler.
    app = await startApp(port, [endpoint.secret!], emulator, inbox);
    const first = emulator.publish('message.new', { message_id: 'm1', conversation_id: 'c1', direction: 'inbound' });
    await emulator.settled();
    expect(inbox.events.map((event) => [event.id, event.payload.message_id])).toEqual([[first.messageId, 'm1']]);
    expect(signatureCount(inbox.events[0])).toBe(1);

    // Rotation: redeployed with both secrets; during the grace period deliveries carry both signatures.
    const rotated = await app.get(WazapinWebhooksApiService).rotateSecret(endpoint.id);
    await app.close();
    app = await startApp(port, [endpoint.secret!, rotated.secret!], emulator, inbox);
    emulator.publish('message.new', { message_id: 'm2', conversation_id: 'c1', direction: 'inbound' });
    await emulator.settled();
    expect(inbox.events.at(-1)?.payload.message_id).toBe('m2');
    expect(signatureCount(inbox.events.at(-1)!)).toBe(2);

    // After the grace period only the new secret signs, and the app still verifies.
    while (emulator.endpoints()[0].previous_secrets.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    emulator.publish('message.new', { message_id: 'm3', conversation_id: 'c1', direction: 'inbound' });
    await emulator.settled();
    expect(inbox.events.at(-1)?.payload.message_id).toBe('m3');
    expect(signatureCount(inbox.events.at(-1)!)).toBe(1);

    // The app answers 500 on every attempt: the delivery shows as failed.
    inbox.failing.add('m4');
    const failing = emulator.publish('message.new', { message_id: 'm4', conversation_id: 'c1', direction: 'inbound' });
    await emulator.settled();
    const api = app.get(WazapinWebhooksApiService);
    const failed = await api.listDeliveries({ endpoint_id: endpoint.id, status: 'failed' });
    // Only m4's attempts count: under load an earlier attempt may have timed out and been retried.
    const attemptsOfM4 = failed.data.filter((delivery) => delivery.message_id === failing.messageId);
    expect(attemptsOfM4.map((delivery) => delivery.response_status_code)).toEqual(Array(8).fill(500));
    expect(inbox.events.some((event) => event.payload.message_id === 'm4')).toBe(false);

    // Fixed, then retried by hand: same delivery id, handled, listed as a manual success.
    inbox.failing.delete('m4');
    await api.retryDelivery(failing.messageId);
    await emulator.settled();
    expect(inbox.events.at(-1)).toMatchObject({ id: failing.messageId, payload: { message_id: 'm4' } });
    const [latest] = (await api.listDeliveries({ endpoint_id: endpoint.id, limit: 1 })).data;
    expect(latest).toMatchObject({ message_id: failing.messageId, status: 'success', response_status_code: 200, trigger: 'manual', attempt: 9 });
  });
});
