import { Injectable } from '@nestjs/common';
import {
  OnWazapinEvent,
  WazapinApiError,
  WazapinConfigurationError,
  WazapinWebhooksModule,
  type WazapinDispatchMode,
  type WazapinEvent,
  WazapinWebhooksApiService,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload, WazapinEmulator } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, startTestApp, type TestApp } from '../support/webhook-app.js';

/** What each handler read through `fetchMessage()`, or the error it got. */
const fetched: { type: string; text?: unknown; error?: unknown; enumerable?: boolean }[] = [];

@Injectable()
class MessageHandlers {
  @OnWazapinEvent(['message.new', 'message.sent'])
  async onMessage(event: WazapinEvent<'message.new' | 'message.sent'>) {
    try {
      const message = await event.fetchMessage();
      fetched.push({ type: event.type, text: message.text, enumerable: Object.keys(event).includes('fetchMessage') });
    } catch (error) {
      fetched.push({ type: event.type, error });
    }
  }
}

/** Boots an app, with an endpoint in the emulator per message event type posting to it. */
async function boot(adapter: (typeof ADAPTERS)[number], emulator: WazapinEmulator, options: Partial<WazapinWebhooksModuleOptions>): Promise<TestApp> {
  const secret = generateWazapinSecret();
  const t = await startTestApp(adapter, {
    imports: [WazapinWebhooksModule.forRoot({ secrets: secret, ...options })],
    providers: [MessageHandlers],
  });
  const admin = new WazapinWebhooksApiService({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
  for (const type of ['message.new', 'message.sent']) {
    await admin.createEndpoint({ url: `${t.url}/webhooks/wazapin/${type}`, event_types: [type], secret });
  }
  return { ...t, secret } as TestApp & { secret: string };
}

describe.each(ADAPTERS)('event.fetchMessage(), on %s', (adapter) => {
  let emulator: WazapinEmulator;
  let t: TestApp | undefined;

  beforeEach(async () => {
    fetched.length = 0;
    emulator = await WazapinEmulator.start({ retryScale: 0.00001 });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await emulator.close();
  });

  it.each<WazapinDispatchMode>(['inline', 'background'])('reads the message a delivered message.new and message.sent name, %s', async (dispatch) => {
    t = await boot(adapter, emulator, { dispatch, api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl } });
    emulator.publish('message.new', sampleWazapinPayload('message.new'), { message: { text: 'Halo' } });
    emulator.publish('message.sent', sampleWazapinPayload('message.sent'), { message: { text: 'Siap, kami cek' } });
    await emulator.settled();
    await waitUntil('both handlers to have fetched', () => fetched.length === 2);

    expect([...fetched].sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'message.new', text: 'Halo', enumerable: false },
      { type: 'message.sent', text: 'Siap, kami cek', enumerable: false },
    ]);
  });

  it('fails as getMessage does: a message the API does not know, and a registration without an API key', async () => {
    t = await boot(adapter, emulator, { dispatch: 'inline', api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, retries: 0 } });
    const payload = sampleWazapinPayload('message.new');
    await t.deliver({ secret: (t as TestApp & { secret: string }).secret, body: payload }, '/webhooks/wazapin/message.new');
    expect(fetched[0].error).toBeInstanceOf(WazapinApiError);
    expect(fetched[0].error).toMatchObject({ status: 404 });
    await t.close();

    fetched.length = 0;
    t = await boot(adapter, emulator, { dispatch: 'inline' });
    emulator.publish('message.new', sampleWazapinPayload('message.new'), { message: { text: 'Halo' } });
    await emulator.settled();
    expect(fetched[0].error).toBeInstanceOf(WazapinConfigurationError);
  });
});

describeIf(redisMissing)('event.fetchMessage() in queue mode', () => {
  it("reads the message on the worker's side, from the job", async () => {
    fetched.length = 0;
    const redis = await useRedis();
    const prefix = uniquePrefix('fetch-message');
    const emulator = await WazapinEmulator.start({ retryScale: 0.00001 });
    const t = await boot('express', emulator, {
      dispatch: 'queue',
      queue: { connection: redis.url, prefix },
      api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl },
    });
    try {
      emulator.publish('message.new', sampleWazapinPayload('message.new'), { message: { text: 'from the queue' } });
      await emulator.settled();
      await waitUntil('the worker to have fetched', () => fetched.length === 1);
      expect(fetched).toEqual([{ type: 'message.new', text: 'from the queue', enumerable: false }]);
    } finally {
      await t.close();
      await emulator.close();
      await deleteKeys(redis.url, prefix);
      await redis.close();
    }
  });
});
