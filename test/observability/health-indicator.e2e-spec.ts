import { Redis } from 'ioredis';
import { RedisIdempotencyStore, WazapinHealthIndicator, WazapinWebhooksModule } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, type RedisServer, redisMissing, redisServerMissing, startRedisServer, uniquePrefix, useRedis } from '../support/redis.js';
import type { AdapterName } from '../support/webhook-app.js';
import {
  accountOf,
  accountsOf,
  bootError,
  type HealthApp,
  type HealthOptions,
  type HealthResponse,
  type IndicatorHealth,
  pause,
  PlainStore,
  pollHealth,
  ScriptedStore,
  startHealthApp,
} from './health-support.js';

// Issue 15, "Health": `WazapinHealthIndicator.isHealthy()` in a Terminus health check, over real
// HTTP: `GET /health` of an app importing TerminusModule, whose controller calls
// `HealthCheckService.check([() => indicator.isHealthy('wazapin', options)])`. Terminus answers
// 200 with the result under `info`/`details`, or 503 with it under `error` when a check is down.

const secret = generateWazapinSecret();
/** What the tests measured, printed at the end. */
const figures: string[] = [];

/** The `wazapin` result of a response: under `details` (up and down alike). */
const wazapinOf = (response: HealthResponse): IndicatorHealth | undefined => response.body?.details?.wazapin;
const isUp = (response: HealthResponse) => response.status === 200;
const isDown = (response: HealthResponse) => response.status === 503;

/** A value that throws whatever is asked of it: printing it, its keys, its prototype, `in`. */
function throwingProxy(): object {
  const trap = () => {
    throw new Error('trap');
  };
  return new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap });
}

/** `isHealthy(key, options)` called directly, typed as the contract states its result. */
async function direct(app: HealthApp, options?: HealthOptions, key = 'wazapin'): Promise<Record<string, IndicatorHealth>> {
  return (await app.indicator.isHealthy(key, options)) as unknown as Record<string, IndicatorHealth>;
}

const apps: HealthApp[] = [];
async function boot(registrations: Parameters<typeof startHealthApp>[0], adapter: AdapterName = 'express'): Promise<HealthApp> {
  const app = await startHealthApp(registrations, adapter);
  apps.push(app);
  return app;
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
afterAll(() => {
  if (figures.length > 0) {
    console.log(`health indicator figures:\n  ${figures.join('\n  ')}`);
  }
});

describe('WazapinHealthIndicator, in-process stores', () => {
  it('is up for the in-memory store, under the key given (default `wazapin`), one entry `default` for an unnamed registration', async () => {
    const app = await boot([WazapinWebhooksModule.forRoot({ secrets: secret })]);
    const response = await app.health();
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({ status: 'ok', info: { wazapin: { status: 'up' } }, error: {} });
    const wazapin = wazapinOf(response);
    expect(accountsOf(wazapin)).toEqual(['default']);
    const entry = accountOf(wazapin, 'default');
    expect(entry.store).toMatchObject({ status: 'up', store: 'InMemoryIdempotencyStore' });
    expect(entry.store.error).toBeUndefined();
    // No queue check outside `dispatch: 'queue'`.
    expect(entry.queue).toBeUndefined();
    expect(entry.deliveries).toMatchObject({ status: 'up', lastAcceptedSecondsAgo: null });
    expect(entry.deliveries.maxSilenceSeconds).toBeUndefined();

    // Called directly: the default key is `wazapin`, another key names the result.
    expect(Object.keys(await app.indicator.isHealthy())).toEqual(['wazapin']);
    const renamed = await direct(app, undefined, 'webhooks');
    expect(Object.keys(renamed)).toEqual(['webhooks']);
    expect(accountOf(renamed.webhooks, 'default').store.status).toBe('up');
  });

  it('reports a store without `ping` up with `probed: false`, named by its class', async () => {
    const app = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store: new PlainStore() } })]);
    const response = await app.health();
    expect(response.status).toBe(200);
    expect(accountOf(wazapinOf(response), 'default').store).toMatchObject({ status: 'up', store: 'PlainStore', probed: false });
  });

  describe('a custom store whose ping fails', () => {
    let store: ScriptedStore;
    let app: HealthApp;

    beforeEach(async () => {
      store = new ScriptedStore();
      app = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store } })]);
    });

    /** Values a ping may throw or reject with that are not Errors, the last one a Proxy that throws on any access. */
    const hostile = (): [string, () => Promise<void>][] => [
      ['throws a string synchronously', () => {
        throw 'redis on fire';
      }],
      ['rejects with undefined', () => Promise.reject(undefined)],
      ['rejects with null', () => Promise.reject(null)],
      ['rejects with Object.create(null)', () => Promise.reject(Object.create(null))],
      ['rejects with a Proxy that throws on every access', () => Promise.reject(throwingProxy())],
      ['rejects with an Error', () => Promise.reject(new Error('connection refused by the custom store'))],
    ];

    it('isHealthy resolves (never rejects) to store down with a printable error, whatever ping throws', async () => {
      expect((await direct(app)).wazapin.status).toBe('up');
      for (const [label, behaviour] of hostile()) {
        store.behaviour = behaviour;
        const settled = await direct(app).then(
          (result) => ({ resolved: result }),
          (error: unknown) => ({ rejected: String(error) }),
        );
        expect({ label, settled: 'resolved' in settled ? 'resolved' : settled }).toEqual({ label, settled: 'resolved' });
        const { wazapin } = (settled as { resolved: Record<string, IndicatorHealth> }).resolved;
        expect({ label, status: wazapin.status }).toEqual({ label, status: 'down' });
        const check = accountOf(wazapin, 'default').store;
        expect({ label, status: check.status, store: check.store, error: typeof check.error }).toEqual({ label, status: 'down', store: 'ScriptedStore', error: 'string' });
        expect(check.error).not.toBe('');
      }
      // The Error's own message says which.
      expect(accountOf((await direct(app)).wazapin, 'default').store.error).toContain('connection refused by the custom store');
    });

    it('isHealthy resolves whatever options it is given', async () => {
      const odd = [null, { timeoutMs: -1 }, { timeoutMs: Number.NaN }, { maxQueueWaiting: -5 }, { accounts: ['nobody'] }, { accounts: 'default' }];
      for (const options of odd) {
        const settled = await (app.indicator.isHealthy('wazapin', options as HealthOptions) as Promise<unknown>).then(
          (result) => ({ resolved: Object.keys(result as object) }),
          (error: unknown) => ({ rejected: String(error) }),
        );
        expect({ options, settled }).toEqual({ options, settled: { resolved: ['wazapin'] } });
      }
    });

    it('the route answers 503 JSON naming the store down, whatever ping throws, and 200 once it answers again', async () => {
      for (const [label, behaviour] of hostile()) {
        store.behaviour = behaviour;
        const response = await app.health();
        expect({ label, status: response.status, json: response.contentType.startsWith('application/json') }).toEqual({ label, status: 503, json: true });
        expect(response.body?.status).toBe('error');
        expect(accountOf(response.body?.error?.wazapin, 'default').store).toMatchObject({ status: 'down', store: 'ScriptedStore', error: expect.any(String) });
      }
      store.behaviour = async () => undefined;
      const response = await app.health();
      expect(response.status).toBe(200);
      expect(accountOf(wazapinOf(response), 'default').store).toMatchObject({ status: 'up', store: 'ScriptedStore' });
    });

    it('a ping that never settles: down within timeoutMs, saying so; the default timeout is 1000 ms', async () => {
      store.behaviour = () => new Promise<void>(() => undefined);
      const settled = await Promise.race([direct(app, { timeoutMs: 200 }), pause(3000).then(() => 'no answer in 3 s' as const)]);
      expect(settled).not.toBe('no answer in 3 s');
      expect(accountOf((settled as Record<string, IndicatorHealth>).wazapin, 'default').store.status).toBe('down');

      const quick = await app.health({ timeoutMs: 200 });
      expect(quick.status).toBe(503);
      expect(quick.ms).toBeLessThan(200 + 800);
      expect(accountOf(quick.body?.error?.wazapin, 'default').store).toMatchObject({ status: 'down', error: expect.stringContaining('200 ms') });

      const byDefault = await app.health();
      expect(byDefault.status).toBe(503);
      expect(byDefault.ms).toBeGreaterThanOrEqual(900);
      expect(byDefault.ms).toBeLessThan(1000 + 800);
      expect(accountOf(byDefault.body?.error?.wazapin, 'default').store).toMatchObject({ status: 'down', error: expect.stringContaining('1000 ms') });
      figures.push(`hung custom ping: /health answered in ${quick.ms.toFixed(0)} ms with timeoutMs 200, ${byDefault.ms.toFixed(0)} ms with the default`);
    });
  });

  it('on Fastify: 200 while the store answers, 503 JSON naming it down when its ping rejects', async () => {
    const store = new ScriptedStore();
    const app = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store } })], 'fastify');
    const up = await app.health();
    expect(up.status).toBe(200);
    const probed = accountOf(wazapinOf(up), 'default').store;
    expect(probed).toMatchObject({ status: 'up', store: 'ScriptedStore' });
    // A store with `ping` is probed: pinged, and not reported `probed: false`.
    expect(store.pings).toBeGreaterThan(0);
    expect(probed.probed).not.toBe(false);

    store.behaviour = () => Promise.reject(Object.create(null));
    const down = await app.health();
    expect(down.status).toBe(503);
    expect(down.contentType).toMatch(/^application\/json/);
    expect(down.body?.status).toBe('error');
    expect(accountOf(down.body?.error?.wazapin, 'default').store).toMatchObject({ status: 'down', error: expect.any(String) });
  });

  describe('named registrations', () => {
    /** acme on the in-memory store, globex on a store whose ping rejects. */
    const bootAgency = async () => {
      const globexStore = new ScriptedStore();
      globexStore.behaviour = () => Promise.reject(new Error('globex store unreachable'));
      return boot([
        WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: secret }),
        WazapinWebhooksModule.forRoot({ name: 'globex', path: 'webhooks/globex', secrets: secret, idempotency: { store: globexStore } }),
      ]);
    };

    it('reports every registration under its name; one down makes the check down', async () => {
      const app = await bootAgency();
      const response = await app.health();
      expect(response.status).toBe(503);
      const wazapin = response.body?.error?.wazapin;
      expect(wazapin?.status).toBe('down');
      expect(accountsOf(wazapin)).toEqual(['acme', 'globex']);
      expect(accountOf(wazapin, 'acme').store).toMatchObject({ status: 'up', store: 'InMemoryIdempotencyStore' });
      expect(accountOf(wazapin, 'globex').store).toMatchObject({ status: 'down', store: 'ScriptedStore', error: expect.stringContaining('globex store unreachable') });
    });

    it('`accounts` narrows the check to the registrations named', async () => {
      const app = await bootAgency();
      const acme = await app.health({ accounts: ['acme'] });
      expect(acme.status).toBe(200);
      expect(accountsOf(wazapinOf(acme))).toEqual(['acme']);
      expect(wazapinOf(acme)?.status).toBe('up');

      const globex = await app.health({ accounts: ['globex'] });
      expect(globex.status).toBe(503);
      expect(accountsOf(globex.body?.error?.wazapin)).toEqual(['globex']);
    });
  });

  describe('maxSilenceSeconds', () => {
    it('is off by default; given, the check is down after that long without an accepted delivery (counted from app start), up again once one is accepted', async () => {
      const app = await boot([WazapinWebhooksModule.forRoot({ secrets: secret })]);
      // Just started: less than a second of silence.
      const fresh = await app.health({ maxSilenceSeconds: 1 });
      expect(fresh.status).toBe(200);
      expect(accountOf(wazapinOf(fresh), 'default').deliveries).toMatchObject({ status: 'up', lastAcceptedSecondsAgo: null, maxSilenceSeconds: 1 });

      await pause(1500);
      const byDefault = await app.health();
      expect(byDefault.status).toBe(200);
      const off = accountOf(wazapinOf(byDefault), 'default').deliveries;
      expect(off).toMatchObject({ status: 'up', lastAcceptedSecondsAgo: null });
      expect(off.maxSilenceSeconds).toBeUndefined();

      const silent = await app.health({ maxSilenceSeconds: 1 });
      expect(silent.status).toBe(503);
      expect(accountOf(silent.body?.error?.wazapin, 'default')).toMatchObject({
        store: { status: 'up' },
        deliveries: { status: 'down', lastAcceptedSecondsAgo: null, maxSilenceSeconds: 1 },
      });

      // A delivery refused (bad signature) was not accepted: still down.
      expect(await app.deliver(generateWazapinSecret(), 'msg_forged')).toBe(401);
      expect((await app.health({ maxSilenceSeconds: 1 })).status).toBe(503);

      expect(await app.deliver(secret, 'msg_accepted')).toBe(200);
      const heard = await app.health({ maxSilenceSeconds: 1 });
      expect(heard.status).toBe(200);
      const deliveries = accountOf(wazapinOf(heard), 'default').deliveries;
      expect(deliveries).toMatchObject({ status: 'up', maxSilenceSeconds: 1 });
      expect(deliveries.lastAcceptedSecondsAgo).toBeGreaterThanOrEqual(0);
      expect(deliveries.lastAcceptedSecondsAgo).toBeLessThan(1);

      // Silent again for longer than a second since that delivery.
      await pause(1500);
      const again = await app.health({ maxSilenceSeconds: 1 });
      expect(again.status).toBe(503);
      const stale = accountOf(again.body?.error?.wazapin, 'default').deliveries;
      expect(stale.status).toBe('down');
      expect(stale.lastAcceptedSecondsAgo).toBeGreaterThanOrEqual(1);
    });
  });

  describe('without TerminusModule', () => {
    // The contract states the message only for @nestjs/terminus not installed (see
    // health-without-terminus.e2e-spec.ts); here it is installed but not imported: the message
    // must say what is missing, Terminus's module or its package, and whose need it is.
    it('an app listing WazapinHealthIndicator where no HealthIndicatorService is available fails boot, saying Terminus is missing', async () => {
      const error = await bootError({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret })], providers: [WazapinHealthIndicator] });
      expect(error).toBeDefined();
      expect(error?.message).toMatch(/WazapinHealthIndicator/);
      expect(error?.message).toMatch(/TerminusModule|@nestjs\/terminus/);
    });
  });
});

describeIf(redisServerMissing)('WazapinHealthIndicator, on a redis-server that stops, restarts and hangs', () => {
  let server: RedisServer;
  let store: RedisIdempotencyStore | undefined;
  /** A redis-server process the test stopped with SIGSTOP, continued in afterEach if the test did not. */
  let frozen: number | undefined;

  beforeEach(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    if (frozen !== undefined) {
      process.kill(frozen, 'SIGCONT');
      frozen = undefined;
    }
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await store?.close();
    store = undefined;
    await server.close();
  });

  /** The redis-server's process id, from INFO. */
  const serverPid = async (): Promise<number> => {
    const client = new Redis(server.url);
    try {
      return Number(/process_id:(\d+)/.exec(await client.info('server'))![1]);
    } finally {
      client.disconnect();
    }
  };

  it('RedisIdempotencyStore: up, down within 2 s of Redis stopping, up again once it is back', async () => {
    store = new RedisIdempotencyStore(server.url, { keyPrefix: `${uniquePrefix('health')}:` });
    const app = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store } })]);

    const up = await app.health();
    expect(up.status).toBe(200);
    expect(up.body?.info?.wazapin.status).toBe('up');
    const upStore = accountOf(wazapinOf(up), 'default').store;
    expect(upStore).toMatchObject({ status: 'up', store: 'RedisIdempotencyStore' });
    expect(upStore.error).toBeUndefined();
    if (upStore.latencyMs !== undefined) {
      expect(upStore.latencyMs).toBeGreaterThanOrEqual(0);
    }

    await server.stop();
    const down = await pollHealth(() => app.health(), isDown, 2000);
    expect(down.ms).toBeLessThan(2000);
    expect(down.response.body?.status).toBe('error');
    expect(down.response.body?.error?.wazapin.status).toBe('down');
    expect(accountOf(down.response.body?.error?.wazapin, 'default').store).toMatchObject({ status: 'down', store: 'RedisIdempotencyStore', error: expect.any(String) });

    await server.start();
    const back = await pollHealth(() => app.health(), isUp, 10_000);
    expect(accountOf(wazapinOf(back.response), 'default').store).toMatchObject({ status: 'up', store: 'RedisIdempotencyStore' });
    figures.push(`Redis stopped: /health 503 after ${down.ms.toFixed(0)} ms; restarted: 200 after ${back.ms.toFixed(0)} ms`);
  });

  it('RedisIdempotencyStore on a hung Redis (SIGSTOP): the health request still answers within timeoutMs and some slack, down; up once it continues', async () => {
    store = new RedisIdempotencyStore(server.url, { keyPrefix: `${uniquePrefix('health')}:` });
    const app = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store } })]);
    expect((await app.health()).status).toBe(200);

    const pid = await serverPid();
    process.kill(pid, 'SIGSTOP');
    frozen = pid;

    // The default timeout (1000 ms), shorter than the store's own command timeout (2000 ms).
    const byDefault = await app.health();
    expect(byDefault.status).toBe(503);
    expect(byDefault.ms).toBeLessThan(1000 + 750);
    expect(accountOf(byDefault.body?.error?.wazapin, 'default').store).toMatchObject({
      status: 'down',
      store: 'RedisIdempotencyStore',
      error: expect.stringContaining('1000 ms'),
    });

    const quick = await app.health({ timeoutMs: 300 });
    expect(quick.status).toBe(503);
    expect(quick.ms).toBeLessThan(300 + 750);
    expect(accountOf(quick.body?.error?.wazapin, 'default').store).toMatchObject({ status: 'down', error: expect.stringContaining('300 ms') });

    process.kill(pid, 'SIGCONT');
    frozen = undefined;
    const back = await pollHealth(() => app.health(), isUp, 5000);
    figures.push(
      `Redis hung: /health answered 503 in ${byDefault.ms.toFixed(0)} ms (default timeoutMs 1000) and ${quick.ms.toFixed(0)} ms (timeoutMs 300); continued: 200 after ${back.ms.toFixed(0)} ms`,
    );
  });

  it("dispatch: 'queue': the queue check is down within timeoutMs when the queue's Redis stops, up again once it is back", async () => {
    const prefix = uniquePrefix('health-queue');
    const app = await boot([
      WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'queue', queue: { connection: server.url, prefix, worker: false } }),
    ]);
    const up = await app.health({ timeoutMs: 300 });
    expect(up.status).toBe(200);
    expect(accountOf(wazapinOf(up), 'default').queue).toMatchObject({ status: 'up', waiting: 0 });

    await server.stop();
    const down = await pollHealth(() => app.health({ timeoutMs: 300 }), isDown, 2000);
    expect(down.response.ms).toBeLessThan(300 + 750);
    const entry = accountOf(down.response.body?.error?.wazapin, 'default');
    expect(entry.queue).toMatchObject({ status: 'down', error: expect.any(String) });
    // The in-memory store is still up: only the queue is down.
    expect(entry.store).toMatchObject({ status: 'up', store: 'InMemoryIdempotencyStore' });

    await server.start();
    const back = await pollHealth(() => app.health({ timeoutMs: 300 }), isUp, 10_000);
    figures.push(`queue's Redis stopped: 503 after ${down.ms.toFixed(0)} ms (the request ${down.response.ms.toFixed(0)} ms); restarted: 200 after ${back.ms.toFixed(0)} ms`);
  });
});

describeIf(redisMissing)('WazapinHealthIndicator, on a shared Redis', () => {
  let redis: { url: string; close(): Promise<void> };
  const prefixes: string[] = [];
  const stores: RedisIdempotencyStore[] = [];

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(redis.url, prefix)));
  });
  afterAll(async () => {
    await redis.close();
  });
  const prefix = (label: string) => {
    const made = uniquePrefix(label);
    prefixes.push(made);
    return made;
  };
  const redisStore = (keyPrefix: string) => {
    const store = new RedisIdempotencyStore(redis.url, { keyPrefix });
    stores.push(store);
    return store;
  };

  it("dispatch: 'queue' with jobs waiting: reports queue.waiting, down above maxQueueWaiting, up at it", async () => {
    const queuePrefix = prefix('health-queue');
    const app = await boot([
      WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'queue', queue: { connection: redis.url, prefix: queuePrefix, worker: false } }),
    ]);
    const N = 3;
    for (let i = 0; i < N; i++) {
      expect(await app.deliver(secret, `msg_wait_${i}`)).toBe(200);
    }
    const counted = await app.health();
    expect(counted.status).toBe(200);
    expect(accountOf(wazapinOf(counted), 'default').queue).toMatchObject({ status: 'up', waiting: N });

    const over = await app.health({ maxQueueWaiting: N - 1 });
    expect(over.status).toBe(503);
    expect(accountOf(over.body?.error?.wazapin, 'default').queue).toMatchObject({ status: 'down', waiting: N, maxQueueWaiting: N - 1 });

    const at = await app.health({ maxQueueWaiting: N });
    expect(at.status).toBe(200);
    expect(accountOf(wazapinOf(at), 'default').queue).toMatchObject({ status: 'up', waiting: N, maxQueueWaiting: N });
  });

  it('maxSilenceSeconds counts a delivery accepted by another instance sharing the Redis store, not one of another store', async () => {
    const shared = prefix('health-silence');
    const other = prefix('health-silence-other');
    const receiving = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store: redisStore(shared) } })]);
    const sharing = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store: redisStore(shared) } })]);
    const apart = await boot([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store: redisStore(other) } })]);

    await pause(1500);
    for (const app of [sharing, apart]) {
      const silent = await app.health({ maxSilenceSeconds: 1 });
      expect(silent.status).toBe(503);
      expect(accountOf(silent.body?.error?.wazapin, 'default').deliveries).toMatchObject({ status: 'down', lastAcceptedSecondsAgo: null });
    }

    // The first delivery the receiving instance accepts is written to the store at once.
    expect(await receiving.deliver(secret, 'msg_shared')).toBe(200);
    const heard = await pollHealth(() => sharing.health({ maxSilenceSeconds: 1 }), isUp, 900);
    const deliveries = accountOf(wazapinOf(heard.response), 'default').deliveries;
    expect(deliveries.status).toBe('up');
    expect(deliveries.lastAcceptedSecondsAgo).toBeGreaterThanOrEqual(0);
    expect(deliveries.lastAcceptedSecondsAgo).toBeLessThan(1);
    // An instance on another store heard nothing.
    expect((await apart.health({ maxSilenceSeconds: 1 })).status).toBe(503);
    figures.push(`silence across instances: the sharing instance was up ${heard.ms.toFixed(0)} ms after the other accepted a delivery`);
  });
});
