import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, WazapinWebhooksModule, type WazapinEvent } from '../../lib/index.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import { rawRequest } from '../support/raw-http.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, deferred, startTestApp, type AdapterName, type TestApp } from '../support/webhook-app.js';

// A tenants registration: one route for many customers, POST /webhooks/saas/{tenant}[/{eventType}],
// each tenant's secrets resolved at request time by the app's resolver and cached per tenant.

type TenantSecrets = string | string[] | undefined;

/**
 * The app's resolver: answers from `answers` (an Error is thrown), after `delayMs` so that
 * concurrent deliveries meet while a tenant is being resolved, and records every call.
 */
class CountingResolver {
  readonly calls: string[] = [];
  readonly answers = new Map<string, TenantSecrets | Error>();
  /** When set, every call waits for it before answering. */
  gate?: Promise<void>;

  constructor(private readonly delayMs = 20) {}

  readonly secrets = async (tenant: string): Promise<TenantSecrets> => {
    this.calls.push(tenant);
    await sleep(this.delayMs);
    await this.gate;
    const answer = this.answers.get(tenant);
    if (answer instanceof Error) {
      throw answer;
    }
    return answer;
  };

  callsFor(tenant: string): number {
    return this.calls.filter((call) => call === tenant).length;
  }
}

/** Every event any handler got: its delivery id, account and tenant. */
const handled: { id: string; account: string; tenant: string | undefined }[] = [];

@Injectable()
class TenantHandlers {
  @OnWazapinEvent('*')
  all(event: WazapinEvent) {
    handled.push({ id: event.id, account: event.account, tenant: event.tenant });
  }
}

let sequence = 0;
/** A delivery id no other test (or adapter) uses. */
const freshId = (label: string) => `msg_${label}_${++sequence}_${Date.now()}`;
/** A `message.new` payload whose message id follows its delivery id (message events are deduped on both). */
const message = (id: string) => ({ message_id: `m_${id}`, conversation_id: 'conv_1', direction: 'inbound' });
const route = (tenant: string) => `/webhooks/saas/${tenant}/message.new`;

/** Runs `work` on every item, at most `concurrency` at a time; results in the items' order. */
async function inPool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

describe.each(ADAPTERS)('a tenants registration, on %s', (adapter: AdapterName) => {
  let resolver: CountingResolver;
  let t: TestApp | undefined;

  // Fastify answers 414 to route parameters over 100 characters unless told otherwise, as the README says.
  const boot = async (cacheSeconds?: number, fastify: { routerOptions?: { maxParamLength: number } } = { routerOptions: { maxParamLength: 128 } }) => {
    t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRoot({
          name: 'saas',
          path: 'webhooks/saas',
          dispatch: 'inline',
          tenants: { secrets: resolver.secrets, ...(cacheSeconds === undefined ? {} : { cacheSeconds }) },
        }),
      ],
      providers: [TenantHandlers],
    }, { fastify });
    return t;
  };

  /** Signs a `message.new` delivery with `secret` and posts it to `tenant`'s route. */
  const deliver = (app: TestApp, tenant: string, secret: string, id = freshId(tenant)) =>
    app.deliver({ secret, id, body: message(id) }, route(tenant));

  beforeEach(() => {
    resolver = new CountingResolver();
    handled.length = 0;
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers 1,000 concurrent deliveries across 20 tenants, resolving each tenant exactly once', async () => {
    resolver = new CountingResolver(50);
    const tenants = Array.from({ length: 20 }, (_, index) => `tenant-${String(index + 1).padStart(2, '0')}`);
    const secrets = new Map(tenants.map((tenant) => [tenant, generateWazapinSecret()]));
    for (const [tenant, secret] of secrets) {
      resolver.answers.set(tenant, secret);
    }
    const app = await boot();

    // Spread evenly: delivery i goes to tenant i % 20, so every batch in flight holds every tenant.
    const deliveries = Array.from({ length: 1000 }, (_, index) => {
      const tenant = tenants[index % tenants.length];
      const id = `msg_load_${adapter}_${index}`;
      return { tenant, id, signed: signWazapinDelivery({ secret: secrets.get(tenant)!, id, body: message(id) }) };
    });
    const statuses = await inPool(deliveries, 100, async ({ tenant, signed }) => (await app.post(signed.headers, signed.body, route(tenant))).status);

    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(resolver.calls.length).toBeLessThanOrEqual(20);
    expect([...resolver.calls].sort()).toEqual(tenants);
    // Each delivery ran once, as its own tenant's.
    const expected = new Map(deliveries.map(({ id, tenant }) => [id, tenant]));
    expect(handled).toHaveLength(1000);
    expect(new Set(handled.map(({ id }) => id)).size).toBe(1000);
    expect(handled.filter(({ id, tenant, account }) => expected.get(id) !== tenant || account !== 'saas')).toEqual([]);
  });

  it('shares one resolver call among concurrent deliveries for a tenant not cached yet', async () => {
    const secret = generateWazapinSecret();
    resolver.answers.set('burst', secret);
    const gate = deferred();
    resolver.gate = gate.promise;
    const app = await boot();
    let arrived = 0;
    (app.app.getHttpServer() as { on(event: 'request', listener: () => void): void }).on('request', () => arrived++);

    let answered = 0;
    const pending = Array.from({ length: 10 }, async () => {
      const response = await deliver(app, 'burst', secret);
      answered++;
      return response;
    });
    // All ten at the server and the resolver asked, held there a while: waited for, not timed,
    // since a loaded CI machine takes its time over the first requests.
    await waitUntil('ten deliveries at the server and one resolver call', () => arrived === 10 && resolver.calls.length > 0);
    await sleep(100);
    expect(answered).toBe(0);
    expect(resolver.calls).toEqual(['burst']);

    gate.resolve();
    const responses = await Promise.all(pending);
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(resolver.calls).toEqual(['burst']);
    expect(handled).toHaveLength(10);
  });

  it.each([
    ['undefined', undefined],
    ["''", ''],
    ['[]', []],
  ] as const)('answers 404 for a tenant the resolver answers %s, runs no handler, and does not ask again within the cache time', async (_label, answer) => {
    resolver.answers.set('ghost', answer === undefined ? undefined : typeof answer === 'string' ? answer : [...answer]);
    const app = await boot();
    const secret = generateWazapinSecret();

    expect((await deliver(app, 'ghost', secret)).status).toBe(404);
    expect((await deliver(app, 'ghost', secret)).status).toBe(404);

    expect(resolver.calls).toEqual(['ghost']);
    expect(handled).toEqual([]);
  });

  it('answers 503 when the resolver throws, running no handler', async () => {
    resolver.answers.set('flaky', new Error('tenant database is down'));
    const app = await boot();

    expect((await deliver(app, 'flaky', generateWazapinSecret())).status).toBe(503);
    expect(resolver.callsFor('flaky')).toBe(1);
    expect(handled).toEqual([]);
  });

  it('answers 500 for secrets that do not decode, logging the tenant and never the secret', async () => {
    const badSecret = 'whsec_!!!leakmarker!!!';
    resolver.answers.set('broken-tenant', badSecret);
    const app = await boot();

    const response = await deliver(app, 'broken-tenant', generateWazapinSecret());

    expect(response.status).toBe(500);
    expect(handled).toEqual([]);
    expect(app.logger.has('error', /broken-tenant/)).toBe(true);
    const logged = [...app.logger.lines.map((line) => line.message), ...app.logger.stacks, response.text];
    expect(logged.filter((text) => text.includes('leakmarker') || text.includes(badSecret))).toEqual([]);
  });

  it('answers 404 to tenant ids outside [A-Za-z0-9_-]{1,128}, on both routes, without calling the resolver', async () => {
    const secret = generateWazapinSecret();
    // As sent on the wire (fetch would resolve %2e%2e as '..' before sending), and as decoded:
    // the resolver would know each decoded id, so a route that let one through would answer 200.
    const invalid: [wire: string, decoded: string][] = [
      ['a.b', 'a.b'],
      ['x'.repeat(129), 'x'.repeat(129)],
      ['%2e%2e', '..'],
      ['a%20b', 'a b'],
      ['a%2Fb', 'a/b'],
      [encodeURIComponent('tenant-é'), 'tenant-é'],
      [encodeURIComponent('ｃｕｓｔｏｍｅｒ'), 'ｃｕｓｔｏｍｅｒ'],
    ];
    for (const [wire, decoded] of invalid) {
      resolver.answers.set(decoded, secret);
      resolver.answers.set(wire, secret);
    }
    const app = await boot();

    const answers: string[] = [];
    for (const [wire] of invalid) {
      for (const path of [`/webhooks/saas/${wire}/message.new`, `/webhooks/saas/${wire}`]) {
        const id = freshId('invalid');
        const body = path.endsWith('/message.new') ? message(id) : { event_type: 'message.new', data: message(id) };
        const signed = signWazapinDelivery({ secret, id, body });
        const response = await rawRequest(app.url, 'POST', path, Object.entries(signed.headers), signed.body);
        answers.push(`${response.status} ${path}`);
      }
    }

    // Fastify's router itself answers 414 to a parameter over its maxParamLength, before any route.
    const refused = (wire: string) => (adapter === 'fastify' && wire.length > 128 ? 414 : 404);
    expect(answers).toEqual(
      invalid.flatMap(([wire]) => [`${refused(wire)} /webhooks/saas/${wire}/message.new`, `${refused(wire)} /webhooks/saas/${wire}`]),
    );
    expect(resolver.calls).toEqual([]);
    expect(handled).toEqual([]);
  });

  it('resolves tenant ids made of every allowed character, and of one character', async () => {
    const secret = generateWazapinSecret();
    const edges = ['Az09_-', 'azAZ-09_x', '_', '-', 'Z'];
    for (const tenant of edges) {
      resolver.answers.set(tenant, secret);
    }
    const app = await boot();

    for (const tenant of edges) {
      expect({ tenant, status: (await deliver(app, tenant, secret)).status }).toEqual({ tenant, status: 200 });
    }
    expect(resolver.calls).toEqual(edges);
    expect(handled.map(({ tenant }) => tenant)).toEqual(edges);
  });

  it("warns at boot when Fastify's route parameter limit would refuse the longest tenant ids", async () => {
    const limited = await boot(undefined, {});
    expect(limited.logger.has('warn', /new FastifyAdapter\(\{ routerOptions: \{ maxParamLength: 128 \} \}\)/)).toBe(adapter === 'fastify');
    await limited.close();

    const raised = await boot();
    expect(raised.logger.has('warn', /maxParamLength/)).toBe(false);
  });

  it('resolves a tenant id of 128 characters, the longest allowed', async () => {
    const secret = generateWazapinSecret();
    const longest = `${'x'.repeat(127)}9`;
    resolver.answers.set(longest, secret);
    const app = await boot();

    expect((await deliver(app, longest, secret)).status).toBe(200);
    expect(resolver.calls).toEqual([longest]);
    expect(handled.map(({ tenant }) => tenant)).toEqual([longest]);
  });

  it('dedupes per tenant: one delivery id on two tenants runs on both, a repeat on either is a duplicate', async () => {
    const [northSecret, southSecret] = [generateWazapinSecret(), generateWazapinSecret()];
    resolver.answers.set('north', northSecret);
    resolver.answers.set('south', southSecret);
    const app = await boot();
    const id = freshId('shared');

    expect((await deliver(app, 'north', northSecret, id)).json).toEqual({ received: true });
    expect((await deliver(app, 'south', southSecret, id)).json).toEqual({ received: true });
    expect(handled.map(({ id: handledId, tenant }) => `${handledId} ${tenant}`).sort()).toEqual([`${id} north`, `${id} south`]);

    expect((await deliver(app, 'north', northSecret, id)).json).toEqual({ received: true, duplicate: true });
    expect((await deliver(app, 'south', southSecret, id)).json).toEqual({ received: true, duplicate: true });
    expect(handled).toHaveLength(2);
  });

  it("answers 401 to a delivery signed with one tenant's secret posted to another tenant", async () => {
    const [northSecret, southSecret] = [generateWazapinSecret(), generateWazapinSecret()];
    resolver.answers.set('north', northSecret);
    resolver.answers.set('south', southSecret);
    const app = await boot();
    const id = freshId('cross');
    const signed = signWazapinDelivery({ secret: northSecret, id, body: message(id) });

    expect((await app.post(signed.headers, signed.body, route('south'))).status).toBe(401);
    expect(handled).toEqual([]);
    expect((await app.post(signed.headers, signed.body, route('north'))).json).toEqual({ received: true });
    expect(handled).toEqual([{ id, account: 'saas', tenant: 'north' }]);
  });

  it('with cacheSeconds: 3, asks the resolver again once a tenant expires, and takes the secret it answers then', async () => {
    const [oldSecret, newSecret, lateSecret] = [generateWazapinSecret(), generateWazapinSecret(), generateWazapinSecret()];
    resolver.answers.set('rotating', oldSecret);
    const app = await boot(3);

    expect((await deliver(app, 'rotating', oldSecret)).status).toBe(200);
    expect((await deliver(app, 'late', lateSecret)).status).toBe(404);
    // Both answers are cached by now, so both expire by three seconds from now: seconds to spare
    // for the checks within the cache time, on a loaded machine too.
    const cachedBy = Date.now();
    expect(resolver.calls).toEqual(['rotating', 'late']);

    // The tenant rotates its secret and 'late' signs up; within the cache time neither is seen.
    resolver.answers.set('rotating', newSecret);
    resolver.answers.set('late', lateSecret);
    expect((await deliver(app, 'rotating', oldSecret)).status).toBe(200);
    expect((await deliver(app, 'rotating', newSecret)).status).toBe(401);
    expect((await deliver(app, 'late', lateSecret)).status).toBe(404);
    expect(resolver.calls).toEqual(['rotating', 'late']);

    await sleep(Math.max(0, cachedBy + 3050 - Date.now()));

    expect((await deliver(app, 'rotating', newSecret)).status).toBe(200);
    expect((await deliver(app, 'late', lateSecret)).status).toBe(200);
    expect((await deliver(app, 'rotating', oldSecret)).status).toBe(401);
    expect(resolver.callsFor('rotating')).toBe(2);
    expect(resolver.callsFor('late')).toBe(2);
    expect(handled.map(({ tenant }) => tenant)).toEqual(['rotating', 'rotating', 'rotating', 'late']);
  });
});
