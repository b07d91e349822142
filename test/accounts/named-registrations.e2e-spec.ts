import { Injectable, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  InjectWazapinApi,
  OnWazapinEvent,
  WazapinApiError,
  WazapinWebhooksApiService,
  WazapinWebhooksModule,
  type WazapinEvent,
} from '../../lib/index.js';
import { generateWazapinSecret, signWazapinDelivery, WazapinEmulator } from '../../lib/testing/index.js';
import { ADAPTERS, startTestApp, type AdapterName, type TestApp } from '../support/webhook-app.js';

// Several Wazapin accounts in one app: two named registrations (acme, globex), each with its own
// secret, route and API key, and a tenants registration (saas) whose secrets are resolved per
// tenant at request time. Handlers filtered by account or tenant run only for theirs; unfiltered
// ones run for every registration.

const ACME_SECRET = generateWazapinSecret();
const GLOBEX_SECRET = generateWazapinSecret();
const CUSTOMER_42_SECRET = generateWazapinSecret();
const CUSTOMER_7_SECRET = generateWazapinSecret();
const ACME_KEY = 'wzp_test_acme_0123456789abcdef';
const GLOBEX_KEY = 'wzp_test_globex_0123456789abcdef';

const TENANT_SECRETS: Record<string, string> = { 'customer-42': CUSTOMER_42_SECRET, 'customer-7': CUSTOMER_7_SECRET };

const ACME_ROUTE = '/webhooks/acme/message.new';
const GLOBEX_ROUTE = '/webhooks/globex/message.new';
const tenantRoute = (tenant: string) => `/webhooks/saas/${tenant}/message.new`;

/** One handler run: which handler, and the account, tenant and delivery id of the event it got. */
interface Run {
  handler: string;
  account: string;
  tenant: string | undefined;
  id: string;
}

const runs: Run[] = [];
const events: WazapinEvent[] = [];

function record(handler: string, event: WazapinEvent): void {
  runs.push({ handler, account: event.account, tenant: event.tenant, id: event.id });
}

/** The handlers of an app with acme and globex only, so that none names an account the app lacks. */
@Injectable()
class AcmeGlobexHandlers {
  @OnWazapinEvent('message.new', { account: 'acme' })
  acmeOnly(event: WazapinEvent<'message.new'>) {
    record('acmeOnly', event);
  }

  @OnWazapinEvent('message.new', { account: 'globex' })
  globexOnly(event: WazapinEvent<'message.new'>) {
    record('globexOnly', event);
  }

  @OnWazapinEvent('message.new')
  everyAccount(event: WazapinEvent<'message.new'>) {
    record('everyAccount', event);
    events.push(event);
  }
}

/** Those, and the handlers of the tenants registration: inherited handlers are the subclass's. */
@Injectable()
class AccountHandlers extends AcmeGlobexHandlers {
  @OnWazapinEvent('message.new', { account: 'saas' })
  saasOnly(event: WazapinEvent<'message.new'>) {
    record('saasOnly', event);
  }

  @OnWazapinEvent('message.new', { tenant: 'customer-42' })
  customer42Only(event: WazapinEvent<'message.new'>) {
    record('customer42Only', event);
  }
}

/** The handlers of an app with one unnamed registration. */
@Injectable()
class DefaultHandlers {
  @OnWazapinEvent('message.new', { account: 'default' })
  defaultOnly(event: WazapinEvent<'message.new'>) {
    record('defaultOnly', event);
  }

  @OnWazapinEvent('message.new')
  everyAccount(event: WazapinEvent<'message.new'>) {
    record('everyAccount', event);
    events.push(event);
  }
}

/** The API clients of both named registrations, injected by name. */
@Injectable()
class ApiClients {
  constructor(
    @InjectWazapinApi('acme') readonly acme: WazapinWebhooksApiService,
    @InjectWazapinApi('globex') readonly globex: WazapinWebhooksApiService,
  ) {}
}

let sequence = 0;
/** A delivery id no other test (or adapter) uses, so the apps' dedupe stores never meet it twice by accident. */
const freshId = (label: string) => `msg_${label}_${++sequence}_${Date.now()}`;
/** A `message.new` payload whose message id follows its delivery id (message events are deduped on both). */
const message = (id: string) => ({ message_id: `m_${id}`, conversation_id: 'conv_1', direction: 'inbound' });

/** Runs sorted, so assertions do not depend on the order handlers of one event ran in. */
const runKey = (run: Run) => `${run.id} ${run.handler} ${run.account} ${run.tenant ?? ''}`;
const sortRuns = (list: Run[]) => [...list].sort((a, b) => runKey(a).localeCompare(runKey(b)));
const sortedRuns = () => sortRuns(runs);

/**
 * Creates and initialises an app with the modules `imports` makes, on `adapter`, without
 * listening; resolves to the error boot failed with, or undefined when it booted (the app is
 * closed either way).
 */
async function bootError(adapter: AdapterName, imports: () => DynamicModule[]): Promise<Error | undefined> {
  const options = { rawBody: true, logger: false as const, abortOnError: false };
  let app: INestApplication | undefined;
  try {
    @Module({ imports: imports() })
    class BootModule {}
    app = adapter === 'fastify' ? await NestFactory.create(BootModule, new FastifyAdapter(), options) : await NestFactory.create(BootModule, options);
    await app.init();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    await app?.close().catch(() => undefined);
  }
}

/** The error a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

describe.each(ADAPTERS)('named registrations and a tenants registration in one app, on %s', (adapter) => {
  let acmeApi: WazapinEmulator;
  let globexApi: WazapinEmulator;
  let t: TestApp;

  beforeAll(async () => {
    // One emulator per account, each accepting only its account's key: a request that reaches the
    // wrong one, or carries the other account's key, is recorded as unauthorized (or not at all).
    acmeApi = await WazapinEmulator.start({ apiKey: ACME_KEY, retryScale: 0 });
    globexApi = await WazapinEmulator.start({ apiKey: GLOBEX_KEY, retryScale: 0 });
    t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRoot({
          name: 'acme',
          path: 'webhooks/acme',
          secrets: ACME_SECRET,
          dispatch: 'inline',
          api: { apiKey: ACME_KEY, baseUrl: acmeApi.baseUrl, retries: 0 },
        }),
        WazapinWebhooksModule.forRoot({
          name: 'globex',
          path: 'webhooks/globex',
          secrets: GLOBEX_SECRET,
          dispatch: 'inline',
          api: { apiKey: GLOBEX_KEY, baseUrl: globexApi.baseUrl, retries: 0 },
        }),
        WazapinWebhooksModule.forRoot({
          name: 'saas',
          path: 'webhooks/saas',
          dispatch: 'inline',
          tenants: { secrets: (tenant: string): string | undefined => TENANT_SECRETS[tenant] },
        }),
      ],
      providers: [AccountHandlers, ApiClients],
    });
  });

  afterAll(async () => {
    await t?.close();
    await acmeApi?.close();
    await globexApi?.close();
  });

  beforeEach(() => {
    runs.length = 0;
    events.length = 0;
  });

  it('runs each delivery through exactly the handlers of its account or tenant, and the unfiltered ones', async () => {
    const [acmeId, globexId, c42Id, c7Id] = [freshId('acme'), freshId('globex'), freshId('c42'), freshId('c7')];

    expect((await t.deliver({ secret: ACME_SECRET, id: acmeId, body: message(acmeId) }, ACME_ROUTE)).json).toEqual({ received: true });
    expect((await t.deliver({ secret: GLOBEX_SECRET, id: globexId, body: message(globexId) }, GLOBEX_ROUTE)).json).toEqual({ received: true });
    expect((await t.deliver({ secret: CUSTOMER_42_SECRET, id: c42Id, body: message(c42Id) }, tenantRoute('customer-42'))).json).toEqual({
      received: true,
    });
    expect((await t.deliver({ secret: CUSTOMER_7_SECRET, id: c7Id, body: message(c7Id) }, tenantRoute('customer-7'))).json).toEqual({
      received: true,
    });

    const acme = { account: 'acme', tenant: undefined, id: acmeId };
    const globex = { account: 'globex', tenant: undefined, id: globexId };
    const c42 = { account: 'saas', tenant: 'customer-42', id: c42Id };
    const c7 = { account: 'saas', tenant: 'customer-7', id: c7Id };
    expect(sortedRuns()).toEqual(
      sortRuns([
        { handler: 'acmeOnly', ...acme },
        { handler: 'everyAccount', ...acme },
        { handler: 'globexOnly', ...globex },
        { handler: 'everyAccount', ...globex },
        { handler: 'saasOnly', ...c42 },
        { handler: 'customer42Only', ...c42 },
        { handler: 'everyAccount', ...c42 },
        { handler: 'saasOnly', ...c7 },
        { handler: 'everyAccount', ...c7 },
      ]),
    );
  });

  it('gives each event its registration as event.account, and its tenant as event.tenant on tenant routes only', async () => {
    const [acmeId, globexId, c42Id, envelopeId] = [freshId('acme'), freshId('globex'), freshId('c42'), freshId('envelope')];
    await t.deliver({ secret: ACME_SECRET, id: acmeId, body: message(acmeId) }, ACME_ROUTE);
    await t.deliver({ secret: GLOBEX_SECRET, id: globexId, body: message(globexId) }, GLOBEX_ROUTE);
    await t.deliver({ secret: CUSTOMER_42_SECRET, id: c42Id, body: message(c42Id) }, tenantRoute('customer-42'));
    // The tenant route without an event type: the type comes from the (signed) envelope.
    const envelope = { event_type: 'message.new', data: message(envelopeId) };
    expect((await t.deliver({ secret: CUSTOMER_42_SECRET, id: envelopeId, body: envelope }, '/webhooks/saas/customer-42')).json).toEqual({
      received: true,
    });

    const byId = new Map(events.map((event) => [event.id, event]));
    expect(byId.size).toBe(4);
    expect(byId.get(acmeId)).toMatchObject({ account: 'acme', type: 'message.new', payload: message(acmeId) });
    expect(byId.get(acmeId)?.tenant).toBeUndefined();
    expect(byId.get(globexId)).toMatchObject({ account: 'globex', type: 'message.new', payload: message(globexId) });
    expect(byId.get(globexId)?.tenant).toBeUndefined();
    expect(byId.get(c42Id)).toMatchObject({ account: 'saas', tenant: 'customer-42', type: 'message.new', typeSource: 'path' });
    expect(byId.get(envelopeId)).toMatchObject({ account: 'saas', tenant: 'customer-42', type: 'message.new', typeSource: 'envelope' });
  });

  it("answers 401 to a delivery signed with acme's secret posted to globex's route or a tenant's, running no handler", async () => {
    const id = freshId('cross');
    const signed = signWazapinDelivery({ secret: ACME_SECRET, id, body: message(id) });

    expect((await t.post(signed.headers, signed.body, GLOBEX_ROUTE)).status).toBe(401);
    expect((await t.post(signed.headers, signed.body, tenantRoute('customer-42'))).status).toBe(401);
    expect(runs).toEqual([]);

    // The very same request is a good delivery on acme's route: the 401s were about the account.
    expect((await t.post(signed.headers, signed.body, ACME_ROUTE)).json).toEqual({ received: true });
    expect(sortedRuns().map((run) => `${run.handler} ${run.account}`)).toEqual(['acmeOnly acme', 'everyAccount acme']);
  });

  it('dedupes per account: one delivery id on acme and on globex runs on both, and a repeat on either is a duplicate', async () => {
    const id = freshId('shared');
    // The same body too, so the message id (also a dedupe key for message events) is shared as well.
    expect((await t.deliver({ secret: ACME_SECRET, id, body: message(id) }, ACME_ROUTE)).json).toEqual({ received: true });
    expect((await t.deliver({ secret: GLOBEX_SECRET, id, body: message(id) }, GLOBEX_ROUTE)).json).toEqual({ received: true });
    expect(sortedRuns().map((run) => `${run.handler} ${run.account}`)).toEqual([
      'acmeOnly acme',
      'everyAccount acme',
      'everyAccount globex',
      'globexOnly globex',
    ]);

    expect((await t.deliver({ secret: ACME_SECRET, id, body: message(id) }, ACME_ROUTE)).json).toEqual({ received: true, duplicate: true });
    expect((await t.deliver({ secret: GLOBEX_SECRET, id, body: message(id) }, GLOBEX_ROUTE)).json).toEqual({ received: true, duplicate: true });
    expect(runs).toHaveLength(4);
  });

  it("gives @InjectWazapinApi('acme') and ('globex') clients of their own, each calling with its own API key", async () => {
    const clients = t.app.get(ApiClients);
    expect(clients.acme).toBeInstanceOf(WazapinWebhooksApiService);
    expect(clients.globex).toBeInstanceOf(WazapinWebhooksApiService);
    expect(clients.acme).not.toBe(clients.globex);
    const [acmeBefore, globexBefore] = [acmeApi.requests.length, globexApi.requests.length];

    await clients.acme.getSettings();
    await clients.globex.getSettings();
    await clients.acme.getSettings();

    expect(acmeApi.requests.slice(acmeBefore).map(({ method, authorized, status }) => ({ method, authorized, status }))).toEqual([
      { method: 'GET', authorized: true, status: 200 },
      { method: 'GET', authorized: true, status: 200 },
    ]);
    expect(globexApi.requests.slice(globexBefore).map(({ method, authorized, status }) => ({ method, authorized, status }))).toEqual([
      { method: 'GET', authorized: true, status: 200 },
    ]);
  });

  it("withOptions({ apiKey }) makes a client sending that key instead, leaving the registration's own client as it was", async () => {
    const clients = t.app.get(ApiClients);
    const before = acmeApi.requests.length;

    // acme's client with globex's key: still acme's base URL, where that key is refused.
    const other = clients.acme.withOptions({ apiKey: GLOBEX_KEY });
    expect(other).toBeInstanceOf(WazapinWebhooksApiService);
    expect(other).not.toBe(clients.acme);
    const error = await rejection(other.getSettings());
    expect(error).toBeInstanceOf(WazapinApiError);
    expect(error).toMatchObject({ status: 401 });
    await clients.acme.getSettings();

    expect(acmeApi.requests.slice(before).map(({ authorized, status }) => ({ authorized, status }))).toEqual([
      { authorized: false, status: 401 },
      { authorized: true, status: 200 },
    ]);
  });
});

describe.each(ADAPTERS)('withOptions on a named registration, both accounts on one API base URL, on %s', (adapter) => {
  let emulator: WazapinEmulator;
  let t: TestApp;

  beforeAll(async () => {
    // The emulator accepts only acme's key: globex's own client is refused there, and a
    // globex client made with withOptions({ apiKey: ACME_KEY }) is let in.
    emulator = await WazapinEmulator.start({ apiKey: ACME_KEY, retryScale: 0 });
    t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: ACME_SECRET, api: { apiKey: ACME_KEY, baseUrl: emulator.baseUrl } }),
        WazapinWebhooksModule.forRoot({
          name: 'globex',
          path: 'webhooks/globex',
          secrets: GLOBEX_SECRET,
          // No retries: a client made from it by withOptions must not retry either.
          api: { apiKey: GLOBEX_KEY, baseUrl: emulator.baseUrl, retries: 0 },
        }),
      ],
      providers: [ApiClients],
    });
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  it("sends its own key, the other account's key through withOptions, and withOptions' organization", async () => {
    const clients = t.app.get(ApiClients);
    const before = emulator.requests.length;

    expect(await rejection(clients.globex.getSettings())).toMatchObject({ status: 401 });
    await clients.globex.withOptions({ apiKey: ACME_KEY }).getSettings();
    await clients.globex.withOptions({ apiKey: ACME_KEY, organizationSlug: 'acme-org' }).getSettings();
    expect(await rejection(clients.globex.getSettings())).toMatchObject({ status: 401 });

    expect(emulator.requests.slice(before).map(({ authorized, status, organizationSlug }) => ({ authorized, status, organizationSlug }))).toEqual([
      { authorized: false, status: 401, organizationSlug: undefined },
      { authorized: true, status: 200, organizationSlug: undefined },
      { authorized: true, status: 200, organizationSlug: 'acme-org' },
      { authorized: false, status: 401, organizationSlug: undefined },
    ]);
  });

  it("keeps the registration's retry settings: made from a client without retries, it does not retry", async () => {
    const clients = t.app.get(ApiClients);
    const before = emulator.requests.length;
    emulator.failNextRequests(1, { status: 503 });

    const error = await rejection(clients.globex.withOptions({ apiKey: ACME_KEY }).getSettings());

    expect(error).toBeInstanceOf(WazapinApiError);
    expect(error).toMatchObject({ status: 503 });
    expect(emulator.requests.slice(before).map(({ status }) => status)).toEqual([503]);
  });
});

describe.each(ADAPTERS)('a single registration without a name, on %s', (adapter) => {
  let emulator: WazapinEmulator;
  let t: TestApp;

  beforeAll(async () => {
    emulator = await WazapinEmulator.start({ retryScale: 0 });
    t = await startTestApp(adapter, {
      imports: [WazapinWebhooksModule.forRoot({ secrets: ACME_SECRET, dispatch: 'inline', api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl } })],
      providers: [DefaultHandlers],
    });
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  beforeEach(() => {
    runs.length = 0;
    events.length = 0;
  });

  it("is the 'default' account: its events say so, and handlers filtered to 'default' run for it", async () => {
    const id = freshId('default');
    expect((await t.deliver({ secret: ACME_SECRET, id, body: message(id) }, '/webhooks/wazapin/message.new')).json).toEqual({ received: true });

    expect(sortedRuns()).toEqual(
      sortRuns([
        { handler: 'defaultOnly', account: 'default', tenant: undefined, id },
        { handler: 'everyAccount', account: 'default', tenant: undefined, id },
      ]),
    );
    expect(events[0]?.account).toBe('default');
    expect(events[0]?.tenant).toBeUndefined();
  });

  it('still provides WazapinWebhooksApiService by class, calling with its API key', async () => {
    const before = emulator.requests.length;
    await t.app.get(WazapinWebhooksApiService).getSettings();
    expect(emulator.requests.slice(before).map(({ authorized, status }) => ({ authorized, status }))).toEqual([{ authorized: true, status: 200 }]);
  });
});

describe.each(ADAPTERS)('a named registration made with forRootAsync, on %s', (adapter) => {
  let t: TestApp;
  beforeEach(() => {
    runs.length = 0;
    events.length = 0;
  });
  afterEach(() => t?.close());

  it('takes its name beside useFactory, as path', async () => {
    t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRootAsync({
          name: 'acme',
          path: 'webhooks/acme',
          useFactory: async () => ({ secrets: ACME_SECRET, dispatch: 'inline' as const }),
        }),
        WazapinWebhooksModule.forRoot({ name: 'globex', path: 'webhooks/globex', secrets: GLOBEX_SECRET, dispatch: 'inline' }),
      ],
      providers: [AcmeGlobexHandlers],
    });
    const [acmeId, globexId] = [freshId('async-acme'), freshId('async-globex')];
    expect((await t.deliver({ secret: ACME_SECRET, id: acmeId, body: message(acmeId) }, ACME_ROUTE)).json).toEqual({ received: true });
    expect((await t.deliver({ secret: GLOBEX_SECRET, id: globexId, body: message(globexId) }, GLOBEX_ROUTE)).json).toEqual({ received: true });

    expect(sortedRuns()).toEqual(
      sortRuns([
        { handler: 'acmeOnly', account: 'acme', tenant: undefined, id: acmeId },
        { handler: 'everyAccount', account: 'acme', tenant: undefined, id: acmeId },
        { handler: 'globexOnly', account: 'globex', tenant: undefined, id: globexId },
        { handler: 'everyAccount', account: 'globex', tenant: undefined, id: globexId },
      ]),
    );
  });
});

describe.each(ADAPTERS)('registrations that cannot live together fail boot, on %s', (adapter) => {
  const plain = (name: string | undefined, path: string) =>
    WazapinWebhooksModule.forRoot({ ...(name === undefined ? {} : { name }), path, secrets: generateWazapinSecret() });
  const tenants = (name: string, path: string) =>
    WazapinWebhooksModule.forRoot({ name, path, tenants: { secrets: () => generateWazapinSecret() } });

  it('boots registrations with distinct names and routes that share only a prefix of characters', async () => {
    expect(
      await bootError(adapter, () => [plain('acme', 'webhooks/acme'), plain('acme-corp', 'webhooks/acme-corp'), tenants('saas', 'webhooks/saas')]),
    ).toBeUndefined();
  });

  it('fails on two registrations of one name, naming it', async () => {
    const error = await bootError(adapter, () => [plain('acme', 'webhooks/acme'), plain('acme', 'webhooks/acme-2')]);
    expect(error).toBeDefined();
    expect(error?.message).toMatch(/\bacme\b/);
  });

  it("fails on two registrations without a name: both are 'default'", async () => {
    const error = await bootError(adapter, () => [plain(undefined, 'webhooks/one'), plain(undefined, 'webhooks/two')]);
    expect(error).toBeDefined();
    expect(error?.message).toMatch(/\bdefault\b/);
  });

  it.each([
    ["a route at 'webhooks', whose /webhooks/:eventType covers /webhooks/acme", () => [plain('root', 'webhooks'), plain('acme', 'webhooks/acme')], ['root', 'acme']],
    ['the same route twice under two names', () => [plain('acme', 'webhooks/acme'), plain('acme-again', 'webhooks/acme')], ['acme', 'acme-again']],
    [
      "a route inside a tenants registration's /webhooks/saas/:tenant",
      () => [tenants('saas', 'webhooks/saas'), plain('customer-42', 'webhooks/saas/customer-42')],
      ['saas', 'customer-42'],
    ],
  ] as const)('fails on overlapping routes: %s, naming both registrations', async (_case, imports, names) => {
    const error = await bootError(adapter, imports);
    expect(error).toBeDefined();
    for (const name of names) {
      expect(error?.message).toMatch(new RegExp(`(^|[^A-Za-z0-9_-])${name}($|[^A-Za-z0-9_-])`));
    }
  });
});
