import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'svix';
import request from 'supertest';
import {
  OnWazapinEvent,
  WazapinDeadLetters,
  WAZAPIN_EVENT_TYPES,
  WazapinWebhooksApiService,
  WazapinWebhooksModule,
  type WazapinEvent,
} from '../../lib/index.js';
import {
  createWazapinTestingModule,
  deliverWazapinEvent,
  generateWazapinSecret,
  sampleWazapinPayload,
  signWazapinDelivery,
  WazapinEmulator,
  type WazapinTestingApp,
} from '../../lib/testing/index.js';
import { freePort } from '../support/free-port.js';

/** Records every event; `failNext` makes the typed handler throw that many times. */
@Injectable()
class RecordingHandlers {
  readonly messages: WazapinEvent<'message.new'>[] = [];
  readonly all: WazapinEvent[] = [];
  failNext = 0;

  @OnWazapinEvent('message.new')
  onMessage(event: WazapinEvent<'message.new'>) {
    this.messages.push(event);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('failing on purpose');
    }
  }

  @OnWazapinEvent('*')
  onAny(event: WazapinEvent) {
    this.all.push(event);
  }
}

describe('signWazapinDelivery', () => {
  const vector = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
  };

  it('reproduces the published Standard Webhooks vector', () => {
    const signed = signWazapinDelivery(vector);
    expect(signed.headers).toEqual({
      'content-type': 'application/json',
      'svix-id': vector.id,
      'svix-timestamp': '1614265330',
      'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
    expect(signed.body).toBe(vector.body);
  });

  it.each(['svix', 'webhook'] as const)('signs %s-* headers that the svix library accepts, once per secret', (family) => {
    const [first, second] = [generateWazapinSecret(), generateWazapinSecret()];
    const signed = signWazapinDelivery({ secrets: [first, second], body: { message_id: 'm1' }, headers: family });
    expect(Object.keys(signed.headers).sort()).toEqual(['content-type', `${family}-id`, `${family}-signature`, `${family}-timestamp`]);
    expect(signed.headers[`${family}-signature`].split(' ')).toHaveLength(2);
    for (const secret of [first, second]) {
      expect(new Webhook(secret).verify(signed.body, signed.headers)).toEqual({ message_id: 'm1' });
    }
  });

  it('says what is missing when no secret is given, and never echoes a bad secret', () => {
    expect(() => signWazapinDelivery({ body: '{}' })).toThrow(/give the signing `secret`/);
    expect(() => signWazapinDelivery({ secret: 'whsec_tooshort', body: '{}' })).toThrow(/secret #1 is invalid/);
    expect(() => signWazapinDelivery({ secret: 'whsec_tooshort', body: '{}' })).not.toThrow(/tooshort/);
  });
});

describe('sampleWazapinPayload', () => {
  it('gives fresh ids on every call and applies overrides, undefined ones removing the field', () => {
    const a = sampleWazapinPayload('message.new');
    const b = sampleWazapinPayload('message.new', { from_phone: '628999', contact_id: undefined });
    expect(a.message_id).not.toBe(b.message_id);
    expect(b.from_phone).toBe('628999');
    expect('contact_id' in b).toBe(false);
    expect(sampleWazapinPayload('order.created', { order_id: 'o1' })).toEqual({ order_id: 'o1' });
  });
});

describe('createWazapinTestingModule', () => {
  let wazapin: WazapinTestingApp;
  let handlers: RecordingHandlers;

  beforeAll(async () => {
    wazapin = await createWazapinTestingModule({ providers: [RecordingHandlers], logger: false });
    handlers = wazapin.get(RecordingHandlers);
  });
  afterAll(() => wazapin.close());
  beforeEach(() => {
    handlers.messages.length = 0;
    handlers.all.length = 0;
    handlers.failNext = 0;
  });

  it.each([
    ['path', 'path'],
    ['envelope', 'envelope'],
    ['flat', 'shape'],
  ] as const)('delivers a typed event shaped as %s, resolved from its %s', async (shape, typeSource) => {
    const result = await wazapin.deliver('message.new', { from_phone: '6280001' }, { shape });
    expect(result.status).toBe(200);
    expect(handlers.messages).toHaveLength(1);
    expect(handlers.messages[0]).toMatchObject({ id: result.delivery.id, type: 'message.new', typeSource });
    expect(handlers.messages[0].payload).toEqual(result.payload);
    expect(result.payload.from_phone).toBe('6280001');
  });

  it('signs with webhook-* headers on request', async () => {
    const result = await wazapin.deliver('message.new', {}, { headers: 'webhook' });
    expect(result.status).toBe(200);
    expect(handlers.messages[0].headers['webhook-id']).toBe(result.delivery.id);
    expect(handlers.messages[0].headers['svix-id']).toBeUndefined();
  });

  it('samples of every catalogued event reach their own type when posted flat', async () => {
    for (const type of WAZAPIN_EVENT_TYPES) {
      const result = await wazapin.deliver(type, undefined, { shape: 'flat' });
      expect(result.status).toBe(200);
    }
    expect(handlers.all.map((event) => [event.type, event.typeSource])).toEqual(
      WAZAPIN_EVENT_TYPES.map((type) => [type, 'shape']),
    );
  });

  it('resolves after the handlers ran, answers 500 when one fails, and runs the retry', async () => {
    handlers.failNext = 1;
    const first = await wazapin.deliver('message.new', {}, { id: 'msg_retry' });
    expect(first.status).toBe(500);
    const retry = await wazapin.deliver('message.new', { message_id: first.payload.message_id }, { id: 'msg_retry' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ received: true });
    expect(handlers.messages).toHaveLength(2);
  });

  it("signs a body supertest can send, as the README shows", async () => {
    const secret = wazapin.secret;
    const signed = signWazapinDelivery({ secret, body: sampleWazapinPayload('message.new') });
    await request(wazapin.app.getHttpServer()).post('/webhooks/wazapin/message.new').set(signed.headers).send(signed.body).expect(200);
    expect(handlers.messages[0].id).toBe(signed.id);
  });

  it('lets a test play rejections: a stale timestamp answers 401 and runs nothing', async () => {
    const stale = await wazapin.deliver('message.new', {}, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ message: 'Webhook timestamp is too old' });
    expect(handlers.all).toEqual([]);
  });
});

describe('createWazapinTestingModule options', () => {
  it('serves a custom path on Fastify with the given secrets, and frees the port on close', async () => {
    const [old, current] = [generateWazapinSecret(), generateWazapinSecret()];
    const wazapin = await createWazapinTestingModule({
      providers: [RecordingHandlers],
      webhooks: { secrets: [old, current] },
      path: '/hooks/whatsapp/',
      httpAdapter: new FastifyAdapter(),
      logger: false,
    });
    try {
      expect(wazapin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/whatsapp$/);
      expect(wazapin.secrets).toEqual([old, current]);
      expect((await wazapin.deliver('contact.updated', { name: 'Budi' }, { secret: old })).status).toBe(200);
      expect(wazapin.get(RecordingHandlers).all[0].payload).toMatchObject({ name: 'Budi' });
    } finally {
      await wazapin.close();
    }
    await expect(wazapin.deliver('contact.updated')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('overrides a provider of an imported module', async () => {
    @Injectable()
    class CrmClient {
      sync(_contact: string): string {
        return 'real CRM called';
      }
    }
    @Injectable()
    class ContactsHandler {
      readonly results: string[] = [];
      constructor(private readonly crm: CrmClient) {}
      @OnWazapinEvent('contact.updated')
      onContact(event: WazapinEvent<'contact.updated'>) {
        this.results.push(this.crm.sync(event.payload.contact_id));
      }
    }
    @Module({ providers: [CrmClient, ContactsHandler], exports: [ContactsHandler] })
    class ContactsModule {}

    const wazapin = await createWazapinTestingModule({
      imports: [ContactsModule],
      overrides: [{ provide: CrmClient, useValue: { sync: (contact: string) => `fake synced ${contact}` } }],
      logger: false,
    });
    try {
      expect((await wazapin.deliver('contact.updated', { contact_id: 'c42' })).status).toBe(200);
      expect(wazapin.get(ContactsHandler).results).toEqual(['fake synced c42']);
    } finally {
      await wazapin.close();
    }
  });

  it("waits for background handlers with settled(), so a test can keep the app's dispatch mode", async () => {
    // Held until the test lets go, so the answers certainly come before the handlers finish.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    @Injectable()
    class SlowHandler {
      done = 0;
      @OnWazapinEvent('message.new')
      async onMessage() {
        await held;
        await new Promise((resolve) => setTimeout(resolve, 50));
        this.done++;
      }
    }
    const wazapin = await createWazapinTestingModule({ providers: [SlowHandler], webhooks: { dispatch: 'background' }, logger: false });
    try {
      await Promise.all([wazapin.deliver('message.new'), wazapin.deliver('message.new')]);
      expect(wazapin.get(SlowHandler).done).toBe(0);
      release();
      await wazapin.settled();
      expect(wazapin.get(SlowHandler).done).toBe(2);
    } finally {
      await wazapin.close();
    }
  });

  it("settled() waits for a background handler's retries, which wait 1 ms here; one still failing is a dead letter", async () => {
    @Injectable()
    class FlakyHandler {
      runs = 0;
      failures = 0;

      @OnWazapinEvent('message.new')
      onMessage() {
        this.runs++;
        if (this.runs <= this.failures) {
          throw new Error(`down (run ${this.runs})`);
        }
      }
    }
    const wazapin = await createWazapinTestingModule({ providers: [FlakyHandler], webhooks: { dispatch: 'background' }, logger: false });
    try {
      const handler = wazapin.get(FlakyHandler);
      handler.failures = 2;
      const started = Date.now();
      await wazapin.deliver('message.new');
      await wazapin.settled();
      expect(handler.runs).toBe(3);
      // The default backoff would have waited 1.5 s at least.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await wazapin.get(WazapinDeadLetters).count()).toBe(0);

      handler.failures = Infinity;
      await wazapin.deliver('message.new');
      await wazapin.settled();
      const { deadLetters } = await wazapin.get(WazapinDeadLetters).list();
      expect(deadLetters).toMatchObject([{ handlers: ['FlakyHandler.onMessage'], attempts: 3, error: 'down (run 6)' }]);
    } finally {
      await wazapin.close();
    }
  });

  it('listens on a given port and pairs with the emulator, whose endpoint takes the app secret', async () => {
    const port = await freePort();
    const wazapin = await createWazapinTestingModule({ providers: [RecordingHandlers], port, webhooks: { dispatch: 'background' }, logger: false });
    const emulator = await WazapinEmulator.start({ retryScale: 0.00001 });
    try {
      expect(wazapin.url).toBe(`http://127.0.0.1:${port}/webhooks/wazapin`);
      const api = new WazapinWebhooksApiService({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
      const endpoint = await api.createEndpoint({ url: `${wazapin.url}/message.new`, event_types: ['message.new'], secret: wazapin.secret });
      expect(endpoint.secret).toBe(wazapin.secret);

      emulator.publish('message.new', sampleWazapinPayload('message.new', { from_phone: '6281234567890' }));
      await emulator.settled();
      await wazapin.settled();
      expect(wazapin.get(RecordingHandlers).messages.map((event) => event.payload.from_phone)).toEqual(['6281234567890']);
      await expect(api.createEndpoint({ url: `${wazapin.url}/x.y`, secret: 'whsec_short' })).rejects.toThrow(/secret must be a signing secret/);
    } finally {
      await emulator.close();
      await wazapin.close();
    }
  });

  it('fails fast on a module option error instead of exiting the process', async () => {
    await expect(createWazapinTestingModule({ webhooks: { secrets: 'whsec_short' }, logger: false })).rejects.toThrow(/secret #1 is invalid/);
  });
});

describe('deliverWazapinEvent', () => {
  it('delivers to an app the test booted itself, configured through ConfigService', async () => {
    const secret = generateWazapinSecret();

    @Module({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ WAZAPIN_WEBHOOK_SECRET: secret })] }),
        WazapinWebhooksModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ secrets: config.getOrThrow<string>('WAZAPIN_WEBHOOK_SECRET') }),
        }),
      ],
      providers: [RecordingHandlers],
    })
    class UserAppModule {}

    const app = await NestFactory.create(UserAppModule, { rawBody: true, logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
      const result = await deliverWazapinEvent({
        url: `http://127.0.0.1:${port}/webhooks/wazapin`,
        secret,
        type: 'template.status_update',
        payload: { status: 'rejected', reason: 'INVALID_FORMAT' },
        shape: 'envelope',
      });
      expect(result.status).toBe(200);
      // Background dispatch (the default) answers before handlers run.
      const handlers = app.get(RecordingHandlers);
      for (let i = 0; i < 50 && handlers.all.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(handlers.all[0]).toMatchObject({ type: 'template.status_update', payload: { status: 'rejected', reason: 'INVALID_FORMAT' } });
    } finally {
      await app.close();
    }
  });
});
