import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  getWazapinApiToken,
  InMemoryIdempotencyStore,
  OnWazapinEvent,
  WazapinConfigurationError,
  WazapinWebhooksApiService,
  WazapinWebhooksModule,
  type IdempotencyStore,
  type WazapinEvent,
} from '../../lib/index.js';
import { createWazapinTestingModule, generateWazapinSecret, signWazapinDelivery, WazapinEmulator } from '../../lib/testing/index.js';
import { RedisIdempotencyStore } from '../../lib/idempotency/redis-idempotency.store.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { ADAPTERS, RecordingLogger, startTestApp, type TestApp } from '../support/webhook-app.js';

const ACME = generateWazapinSecret();
const GLOBEX = generateWazapinSecret();

/** Every run: which handler, for which account and tenant, of which delivery. */
const runs: string[] = [];

@Injectable()
class Handlers {
  @OnWazapinEvent('contact.updated')
  onContact(event: WazapinEvent<'contact.updated'>) {
    runs.push(`contact ${event.account}${event.tenant ? `/${event.tenant}` : ''} ${event.id}`);
  }

  /** Stacked declarations for two accounts: one run per event, for either. */
  @OnWazapinEvent('message.new', { account: 'acme' })
  @OnWazapinEvent(['message.new', 'message.sent'], { account: 'globex' })
  onMessage(event: WazapinEvent<'message.new' | 'message.sent'>) {
    runs.push(`message ${event.account} ${event.type} ${event.id}`);
  }

  @OnWazapinEvent('template.status_update', { account: 'initech' })
  onTypo() {}

  /** Runs for tenants registrations only: never in an app of named accounts alone. */
  @OnWazapinEvent('conversation.updated', { tenant: 'north' })
  onNorth(event: WazapinEvent<'conversation.updated'>) {
    runs.push(`north ${event.account}/${event.tenant} ${event.id}`);
  }
}

const contact = (id: string) => ({ secret: ACME, id, body: { contact_id: 'c1', organization_id: 'org_1' } });

describe.each(ADAPTERS)('two named registrations sharing one dedupe store, on %s', (adapter) => {
  let t: TestApp;
  let store: IdempotencyStore;

  beforeEach(async () => {
    runs.length = 0;
    store = new InMemoryIdempotencyStore();
    t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: ACME, dispatch: 'inline', idempotency: { store } }),
        WazapinWebhooksModule.forRoot({ name: 'globex', path: 'webhooks/globex', secrets: GLOBEX, dispatch: 'inline', idempotency: { store } }),
      ],
      providers: [Handlers],
    });
  });
  afterEach(() => t.close());

  it('handles one delivery id once per account, though both accounts claim it in the same store', async () => {
    const acme = await t.deliver(contact('msg_shared'), '/webhooks/acme/contact.updated');
    const globex = await t.deliver({ ...contact('msg_shared'), secret: GLOBEX }, '/webhooks/globex/contact.updated');
    const acmeAgain = await t.deliver(contact('msg_shared'), '/webhooks/acme/contact.updated');

    expect([acme.json, globex.json, acmeAgain.json]).toEqual([{ received: true }, { received: true }, { received: true, duplicate: true }]);
    expect(runs).toEqual(['contact acme msg_shared', 'contact globex msg_shared']);
  });

  it('runs a method declared for two accounts once per event, with the types declared for each', async () => {
    const message = (id: string, secret: string) => ({ secret, id, body: { message_id: `wamid.${id}`, conversation_id: 'conv_1' } });
    await t.deliver(message('m1', ACME), '/webhooks/acme/message.new');
    await t.deliver(message('m2', ACME), '/webhooks/acme/message.sent');
    await t.deliver(message('m3', GLOBEX), '/webhooks/globex/message.sent');

    expect(runs).toEqual(['message acme message.new m1', 'message globex message.sent m3']);
  });

  it("injects a named registration's client by its name, and one without api options fails on its first call, saying why", async () => {
    const globex = t.app.get<WazapinWebhooksApiService>(getWazapinApiToken('globex'));
    expect(globex).toBeInstanceOf(WazapinWebhooksApiService);
    expect(globex).not.toBe(t.app.get(getWazapinApiToken('acme')));
    await expect(globex.getSettings()).rejects.toThrow(WazapinConfigurationError);
    await expect(globex.getSettings()).rejects.toThrow(/needs an API key: set the module option `api\.apiKey`/);
  });

  it('warns once, at startup, about a handler limited to an account no registration has', () => {
    const warnings = t.logger.lines.filter((line) => line.level === 'warn' && /account: 'initech'/.test(line.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/Handlers\.onTypo will never run: no WazapinWebhooksModule registration is named initech \(the app has 'acme', 'globex'\)/);
    expect(t.logger.lines.filter((line) => line.level === 'warn' && /tenant: 'north'/.test(line.message)).map((line) => line.message)).toEqual([
      "@OnWazapinEvent(…, { tenant: 'north' }) on Handlers.onNorth will never run: no registration serves tenants",
    ]);
  });
});

// Handlers.onNorth, limited to a tenant, runs for neither: its type is in neither endpoint's filter.
describe('each registration keeps its endpoint subscribed to the types of the handlers that run for it', () => {
  it('creates acme and globex endpoints with their own event types, each with its own API key', async () => {
    const acmeApi = await WazapinEmulator.start({ apiKey: 'key_acme' });
    const globexApi = await WazapinEmulator.start({ apiKey: 'key_globex' });
    const logger = new RecordingLogger();
    const register = (name: string, secrets: string, emulator: WazapinEmulator) =>
      WazapinWebhooksModule.forRoot({
        name,
        path: `webhooks/${name}`,
        secrets,
        api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl },
        autoRegister: { url: `https://app.example.com/webhooks/${name}`, required: true },
      });

    @Module({ imports: [register('acme', ACME, acmeApi), register('globex', GLOBEX, globexApi)], providers: [Handlers] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger });
    try {
      await app.init();
      expect(acmeApi.endpoints().map(({ url, event_types }) => ({ url, event_types }))).toEqual([
        { url: 'https://app.example.com/webhooks/acme', event_types: ['contact.updated', 'message.new'] },
      ]);
      expect(globexApi.endpoints().map(({ url, event_types }) => ({ url, event_types }))).toEqual([
        { url: 'https://app.example.com/webhooks/globex', event_types: ['contact.updated', 'message.new', 'message.sent'] },
      ]);
    } finally {
      await app.close();
      await acmeApi.close();
      await globexApi.close();
    }
  });
});

describe.each(ADAPTERS)('a tenants registration made with forRootAsync, on %s', (adapter) => {
  const secrets: Record<string, string> = { north: generateWazapinSecret(), south: generateWazapinSecret() };
  let t: TestApp;

  @Injectable()
  class TenantSecrets {
    calls: string[] = [];
    lookup(tenant: string): string | undefined {
      this.calls.push(tenant);
      return secrets[tenant];
    }
  }

  @Module({ providers: [TenantSecrets], exports: [TenantSecrets] })
  class TenantSecretsModule {}

  /** Succeeds for every tenant; `fails` fails while its tenant's count is above zero. */
  const failuresLeft: Record<string, number> = {};
  @Injectable()
  class TenantHandlers {
    @OnWazapinEvent('contact.updated')
    steady(event: WazapinEvent<'contact.updated'>) {
      runs.push(`steady ${event.tenant} ${event.id}`);
    }

    @OnWazapinEvent('contact.updated')
    fails(event: WazapinEvent<'contact.updated'>) {
      runs.push(`fails ${event.tenant} ${event.id}`);
      if ((failuresLeft[event.tenant!] ?? 0) > 0) {
        failuresLeft[event.tenant!]--;
        throw new Error('downstream unavailable');
      }
    }
  }

  beforeEach(async () => {
    runs.length = 0;
    t = await startTestApp(
      adapter,
      {
        imports: [
          WazapinWebhooksModule.forRootAsync({
            path: 'webhooks/saas',
            tenants: true,
            imports: [TenantSecretsModule],
            inject: [TenantSecrets],
            useFactory: (lookup: TenantSecrets) => ({ dispatch: 'inline' as const, tenants: { secrets: (tenant: string) => lookup.lookup(tenant) } }),
          }),
        ],
        providers: [TenantHandlers],
      },
      { fastify: { routerOptions: { maxParamLength: 128 } } },
    );
  });
  afterEach(() => t.close());

  const post = (tenant: string, id: string, secret = secrets[tenant]) =>
    t.deliver({ secret, id, body: { contact_id: 'c1', organization_id: 'org_1' } }, `/webhooks/saas/${tenant}/contact.updated`);

  it("resolves each tenant through the factory's injected provider", async () => {
    expect((await post('north', 'msg_1')).json).toEqual({ received: true });
    expect(t.app.get(TenantSecrets).calls).toEqual(['north']);
  });

  it("retries only a tenant's failed handler, keeping the record of which succeeded per tenant", async () => {
    failuresLeft.north = 1;
    expect((await post('north', 'msg_partial')).status).toBe(500);
    expect((await post('south', 'msg_partial')).status).toBe(200);
    expect((await post('north', 'msg_partial')).status).toBe(200);

    expect(t.logger.has('error', /Handler TenantHandlers\.fails failed on contact\.updated delivery msg_partial \(tenant north\): downstream unavailable/)).toBe(true);
    expect(runs).toEqual([
      'steady north msg_partial',
      'fails north msg_partial',
      'steady south msg_partial',
      'fails south msg_partial',
      'fails north msg_partial',
    ]);
  });

  it("answers a body that does not parse as the route does, checked with the tenant's secrets first", async () => {
    const broken = (tenant: string, secret: string) => {
      const signed = signWazapinDelivery({ secret, id: 'msg_broken', body: '{"contact_id":' });
      return t.post(signed.headers, signed.body, `/webhooks/saas/${tenant}/contact.updated`);
    };
    const answers = [
      await broken('north', secrets.north),
      await broken('north', secrets.south),
      await broken('nobody', secrets.north),
      await broken('no.body', secrets.north),
    ].map(({ status, json }) => [status, (json as { message?: string })?.message]);

    expect(answers).toEqual([
      [400, 'Webhook body is not valid JSON'],
      [401, 'No webhook signature matches'],
      [404, 'Unknown webhook tenant'],
      [404, 'Unknown webhook tenant'],
    ]);
    expect(t.app.get(TenantSecrets).calls).toEqual(['north', 'nobody']);
    expect(runs).toEqual([]);
  });
});

describe.each(ADAPTERS)('a tenants resolver that never answers, on %s', (adapter) => {
  it('answers 503 once timeoutMs passed, asks again on the next delivery, and does not hold shutdown (found by an outside attack)', async () => {
    const secret = generateWazapinSecret();
    let hang = true;
    const calls: string[] = [];
    const t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRoot({
          path: 'webhooks/saas',
          dispatch: 'inline',
          tenants: { secrets: (tenant) => (calls.push(tenant), hang ? new Promise<string>(() => undefined) : secret), timeoutMs: 300 },
        }),
      ],
      providers: [Handlers],
    });
    const post = () => t.deliver({ secret, body: { contact_id: 'c1', organization_id: 'org_1' } }, '/webhooks/saas/stuck/contact.updated');
    const pending = post();
    const stuck = await post();
    hang = false;
    const recovered = await post();

    expect([(await pending).status, stuck.status, recovered.status]).toEqual([503, 503, 200]);
    expect(calls).toEqual(['stuck', 'stuck']);
    const closing = Date.now();
    await t.close();
    expect(Date.now() - closing).toBeLessThan(3000);
  });
});

describe('tenants in the testing kit', () => {
  it("delivers for a tenant, signed with the secret the app's resolver gives it", async () => {
    const secrets: Record<string, string> = { 'customer-42': generateWazapinSecret() };
    runs.length = 0;
    const wazapin = await createWazapinTestingModule({
      webhooks: { tenants: { secrets: (tenant) => secrets[tenant] } },
      providers: [Handlers],
    });
    try {
      expect((await wazapin.deliver('contact.updated', {}, { tenant: 'customer-42' })).status).toBe(200);
      expect((await wazapin.deliver('contact.updated', {}, { tenant: 'customer-42', secret: generateWazapinSecret() })).status).toBe(401);
      await expect(wazapin.deliver('contact.updated', {}, { tenant: 'nobody' })).rejects.toThrow(/knows no secret of tenant nobody/);
      await expect(wazapin.deliver('contact.updated')).rejects.toThrow(/the app serves tenants; name one in options.tenant/);
      expect(runs).toEqual([expect.stringMatching(/^contact default\/customer-42 msg_/)]);
    } finally {
      await wazapin.close();
    }
  });
});

describeIf(redisMissing)('named registrations and tenants in queue mode, on one Redis', () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let t: TestApp | undefined;
  let store: RedisIdempotencyStore | undefined;

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterAll(() => redis.close());
  beforeEach(() => {
    runs.length = 0;
    prefix = uniquePrefix('accounts-queue');
  });
  afterEach(async () => {
    await t?.close();
    // A store the app was given is the app's to close, as any client it was given.
    await store?.close();
    t = undefined;
    store = undefined;
    await deleteKeys(redis.url, prefix);
  });

  it("gives each registration a queue of its own and each tenant's delivery a job of its own, sharing one dedupe store", async () => {
    store = new RedisIdempotencyStore(redis.url, { keyPrefix: `${prefix}:idempotency:` });
    const tenantSecrets: Record<string, string> = { north: generateWazapinSecret(), south: generateWazapinSecret() };
    const queued = { dispatch: 'queue' as const, idempotency: { store }, queue: { connection: redis.url, prefix } };
    t = await startTestApp('express', {
      imports: [
        WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: ACME, ...queued }),
        WazapinWebhooksModule.forRoot({ name: 'globex', path: 'webhooks/globex', secrets: GLOBEX, ...queued }),
        WazapinWebhooksModule.forRoot({ name: 'saas', path: 'webhooks/saas', tenants: { secrets: (tenant) => tenantSecrets[tenant] }, ...queued }),
      ],
      providers: [Handlers],
    });
    const body = { contact_id: 'c1', organization_id: 'org_1' };
    const answers = [
      await t.deliver({ secret: ACME, id: 'msg_q', body }, '/webhooks/acme/contact.updated'),
      await t.deliver({ secret: GLOBEX, id: 'msg_q', body }, '/webhooks/globex/contact.updated'),
      await t.deliver({ secret: tenantSecrets.north, id: 'msg_q', body }, '/webhooks/saas/north/contact.updated'),
      await t.deliver({ secret: tenantSecrets.south, id: 'msg_q', body }, '/webhooks/saas/south/contact.updated'),
      await t.deliver({ secret: tenantSecrets.south, id: 'msg_q', body }, '/webhooks/saas/south/contact.updated'),
    ].map((answer) => answer.json);
    expect(answers).toEqual([...Array(4).fill({ received: true }), { received: true, duplicate: true }]);

    const expected = ['contact acme msg_q', 'contact globex msg_q', 'contact saas/north msg_q', 'contact saas/south msg_q'];
    const deadline = Date.now() + 10_000;
    while (runs.length < expected.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect([...runs].sort()).toEqual(expected);

    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      const jobKeys = (await client.keys(`${prefix}:*`)).filter((key) => /^[^:]+:[^:]+:[^:]+:[^:]+:dlv[^:]*$/.test(key)).sort();
      expect(jobKeys).toEqual([
        `${prefix}:wazapin-webhooks-acme:dlv_msg_q~contact.updated`,
        `${prefix}:wazapin-webhooks-globex:dlv_msg_q~contact.updated`,
        `${prefix}:wazapin-webhooks-saas:dlvt_north~msg_q~contact.updated`,
        `${prefix}:wazapin-webhooks-saas:dlvt_south~msg_q~contact.updated`,
      ]);
    } finally {
      client.disconnect();
    }
  });

  it.each([
    ['the same name and prefix', { prefix: 'tenant-app' }, { prefix: 'tenant-app' }, 'tenant-app:shared'],
    // BullMQ's own default prefix, spelled out on one side only: still one queue.
    ['the same name, one giving BullMQ the prefix it defaults to', { prefix: 'bull' }, {}, 'bull:shared'],
  ])('fails boot when two registrations would share a queue: %s', async (_case, acmeQueue, globexQueue, keys) => {
    const queue = (settings: { prefix?: string }) => ({ connection: redis.url, name: 'shared', ...settings });
    @Module({
      imports: [
        WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: ACME, dispatch: 'queue', queue: queue(acmeQueue) }),
        WazapinWebhooksModule.forRoot({ name: 'globex', path: 'webhooks/globex', secrets: GLOBEX, dispatch: 'queue', queue: queue(globexQueue) }),
      ],
    })
    class SharedQueueModule {}
    const app = await NestFactory.create(SharedQueueModule, { logger: false, abortOnError: false });
    await expect(app.init()).rejects.toThrow(`registrations "acme" and "globex" both queue to ${keys} (prefix:name)`);
    await app.close();
  });
});
