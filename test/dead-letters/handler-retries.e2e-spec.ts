import { RedisIdempotencyStore, WazapinConfigurationError, WazapinWebhookEvents } from '../../lib/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, deferred } from '../support/webhook-app.js';
import {
  alwaysFails,
  AUDIT,
  bootError,
  DEAD_LETTERED,
  FAST_RETRIES,
  handlers,
  ORDERS,
  startDeadLetterApp,
  succeeds,
  waitForDeadLetters,
  type DeadLetterApp,
  type ForRootOptions,
} from './dead-letter-harness.js';

// handlerRetries (issue 14): in `dispatch: 'background'`, a failed handler runs again after a
// backoff, only it; once it fails its last attempt the event becomes a dead letter, the claim is
// completed and `wazapin.dead-lettered` is emitted. App shutdown dead-letters what still waits.

beforeEach(() => handlers.reset());

describe.each(ADAPTERS)('handlerRetries in background mode on %s', (adapter) => {
  const apps: DeadLetterApp[] = [];
  const boot = async (options: Partial<ForRootOptions> = {}) => {
    const app = await startDeadLetterApp(adapter, { handlerRetries: FAST_RETRIES, ...options });
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('runs a handler failing twice a third time, where it succeeds, and never runs its sibling again; nothing is dead-lettered', async () => {
    handlers.orders = (_event, call) => {
      if (call <= 2) {
        throw new Error(`orders down #${call}`);
      }
    };
    const app = await boot();
    const sent = await app.send();
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ received: true });

    await waitUntil('the third run of the failing handler', () => handlers.count('orders', sent.delivery.id) === 3);
    // The claim is completed once it succeeded: a copy is a duplicate (409 while it is still being settled).
    await waitUntil('a copy to be answered as a duplicate', async () => {
      const copy = await app.resend(sent);
      return (copy.body as { duplicate?: boolean } | undefined)?.duplicate === true;
    });
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(handlers.of('orders', sent.delivery.id).map((run) => run.event.payload)).toEqual([sent.payload, sent.payload, sent.payload]);
    expect(await app.deadLetters.count()).toBe(0);
    expect((await app.deadLetters.list()).deadLetters).toEqual([]);
    expect(app.emitted).toEqual([]);
  });

  it('dead-letters a handler still failing after its attempts, emits it, and answers a later copy as a duplicate without running anything', async () => {
    expect(WazapinWebhookEvents.DeadLettered).toBe(DEAD_LETTERED);
    handlers.orders = alwaysFails();
    const app = await boot({ handlerRetries: { ...FAST_RETRIES, attempts: 3 } });
    const before = Date.now();
    const sent = await app.send();
    expect(sent.status).toBe(200);

    await waitForDeadLetters(app.deadLetters, 1);
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    const { deadLetters, cursor } = await app.deadLetters.list();
    expect(cursor).toBeUndefined();
    expect(deadLetters).toHaveLength(1);
    const [deadLetter] = deadLetters;
    expect(deadLetter).toMatchObject({
      handlers: [ORDERS],
      error: 'orders down #3',
      attempts: 3,
      event: { id: sent.delivery.id, type: 'message.new', payload: sent.payload, account: 'default' },
    });
    expect(typeof deadLetter.id).toBe('string');
    expect(deadLetter.id.length).toBeGreaterThan(0);
    expect(deadLetter.event.timestamp).toBeInstanceOf(Date);
    expect(deadLetter.event.receivedAt).toBeInstanceOf(Date);
    expect(deadLetter.failedAt).toBeInstanceOf(Date);
    expect(deadLetter.failedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(deadLetter.failedAt.getTime()).toBeLessThanOrEqual(Date.now());

    await waitUntil('the dead letter to be emitted', () => app.emitted.length === 1);
    expect(app.emitted[0]).toMatchObject({ id: deadLetter.id, handlers: [ORDERS], error: 'orders down #3', attempts: 3 });
    expect(app.emitted[0].event).toMatchObject({ id: sent.delivery.id, type: 'message.new', payload: sent.payload });

    const copy = await app.resend(sent);
    expect(copy.status).toBe(200);
    expect(copy.body).toEqual({ received: true, duplicate: true });
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(await app.deadLetters.count()).toBe(1);
    expect(app.emitted).toHaveLength(1);
  });

  it('dead-letters both handlers when both fail, and only the one still failing when the other recovers', async () => {
    handlers.orders = alwaysFails();
    handlers.audit = alwaysFails('audit down');
    const app = await boot({ handlerRetries: { ...FAST_RETRIES, attempts: 2 } });
    const both = await app.send('both');
    await waitForDeadLetters(app.deadLetters, 1);
    const [first] = (await app.deadLetters.list()).deadLetters;
    expect([...first.handlers].sort()).toEqual([AUDIT, ORDERS].sort());
    expect(first.attempts).toBe(2);
    expect(handlers.count('orders', both.delivery.id)).toBe(2);
    expect(handlers.count('audit', both.delivery.id)).toBe(2);

    handlers.audit = (_event, call) => {
      if (call === 1) {
        throw new Error('audit down once');
      }
    };
    const one = await app.send('one');
    await waitForDeadLetters(app.deadLetters, 2);
    const second = (await app.deadLetters.list()).deadLetters.find((deadLetter) => deadLetter.event.id === one.delivery.id);
    expect(second).toMatchObject({ handlers: [ORDERS], error: 'orders down #2', attempts: 2 });
    expect(handlers.count('audit', one.delivery.id)).toBe(2);
  });

  it('attempts: 1 runs a failing handler once and dead-letters it at once', async () => {
    handlers.orders = alwaysFails();
    const app = await boot({ handlerRetries: { ...FAST_RETRIES, attempts: 1 } });
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    expect(handlers.count('orders', sent.delivery.id)).toBe(1);
    expect((await app.deadLetters.list()).deadLetters[0]).toMatchObject({ handlers: [ORDERS], error: 'orders down #1', attempts: 1 });
  });

  it('holds the claim while a retry waits: a copy arriving meanwhile is answered 409 and runs nothing', async () => {
    handlers.orders = (_event, call) => {
      if (call === 1) {
        throw new Error('orders down once');
      }
    };
    // The retry waits 250–500 ms: long enough to send a copy in between.
    const app = await boot({ handlerRetries: { attempts: 2, backoffMs: 500, maxBackoffMs: 500 } });
    const sent = await app.send();
    await waitUntil('the first run to fail', () => handlers.count('orders', sent.delivery.id) === 1);
    const during = await app.resend(sent);
    expect(during.status).toBe(409);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);

    await waitUntil('the retry', () => handlers.count('orders', sent.delivery.id) === 2);
    await waitUntil('a copy to be answered as a duplicate', async () => {
      const copy = await app.resend(sent);
      return (copy.body as { duplicate?: boolean } | undefined)?.duplicate === true;
    });
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(await app.deadLetters.count()).toBe(0);
  });

  it('waits between attempts in the upper half of backoffMs * 2^(n-1), capped by maxBackoffMs', async () => {
    handlers.orders = alwaysFails();
    // Uncapped, the third wait would be 200–400 ms; capped at 100 ms, it is 50–100 ms like the others.
    const app = await boot({ handlerRetries: { attempts: 4, backoffMs: 100, maxBackoffMs: 100 } });
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    const starts = handlers.of('orders', sent.delivery.id).map((run) => run.at);
    expect(starts).toHaveLength(4);
    const gaps = starts.slice(1).map((at, i) => at - starts[i]);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(45);
      expect(gap).toBeLessThan(190);
    }
  });
});

describe('handlerRetries and lease options at boot', () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

  it.each([
    ['inline', { dispatch: 'inline', handlerRetries: { attempts: 2 } }],
    ['queue', { dispatch: 'queue', queue: { connection: redisUrl }, handlerRetries: { attempts: 2 } }],
  ] as [string, Partial<ForRootOptions>][])("refuses handlerRetries with dispatch: '%s'", async (_mode, options) => {
    const error = await bootError(options);
    expect(error).toBeInstanceOf(WazapinConfigurationError);
    expect(String((error as Error).message)).toMatch(/handlerRetries/);
  });

  it.each([
    [{ attempts: 0 }, /handlerRetries\.attempts/],
    [{ attempts: 1.5 }, /handlerRetries\.attempts/],
    [{ attempts: -1 }, /handlerRetries\.attempts/],
    [{ backoffMs: 0 }, /handlerRetries\.backoffMs/],
    [{ backoffMs: -20 }, /handlerRetries\.backoffMs/],
    [{ maxBackoffMs: 0 }, /handlerRetries\.maxBackoffMs/],
  ])('refuses handlerRetries %j', async (handlerRetries, message) => {
    const error = await bootError({ handlerRetries });
    expect(error).toBeInstanceOf(WazapinConfigurationError);
    expect(String((error as Error).message)).toMatch(message);
  });

  it('boots with handlerRetries in background mode, attempts: 1 included', async () => {
    expect(await bootError({ handlerRetries: { attempts: 1 } })).toBeUndefined();
    expect(await bootError({ dispatch: 'background', handlerRetries: { attempts: 5, backoffMs: 10, maxBackoffMs: 20 } })).toBeUndefined();
  });

  it('refuses an explicit leaseSeconds shorter than the attempts take, and takes one that covers them', async () => {
    // 6 attempts of up to 10 s, and waits of 1, 2, 4, 8 and 16 s: 91 s in all (121 s with the
    // default's 30 s margin), so 60 s is short whichever way it is counted; one attempt takes 10 s.
    const retries = { handlerTimeoutMs: 10_000, handlerRetries: { attempts: 6, backoffMs: 1000, maxBackoffMs: 60_000 } };
    const error = await bootError({ ...retries, idempotency: { leaseSeconds: 60 } });
    expect(error).toBeInstanceOf(WazapinConfigurationError);
    expect(String((error as Error).message)).toMatch(/leaseSeconds/);
    expect(await bootError({ ...retries, idempotency: { leaseSeconds: 300 } })).toBeUndefined();
    expect(await bootError({ ...retries, handlerRetries: { attempts: 1 }, idempotency: { leaseSeconds: 60 } })).toBeUndefined();
  });
});

describeIf(redisMissing)('app shutdown with deliveries pending, on a Redis store', () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  const apps: DeadLetterApp[] = [];
  const boot = async (options: Partial<ForRootOptions>) => {
    const app = await startDeadLetterApp('express', {
      idempotency: { store: new RedisIdempotencyStore(redis.url, { keyPrefix: `${prefix}:` }) },
      ...options,
    });
    apps.push(app);
    return app;
  };
  const closeTimed = async (app: DeadLetterApp) => {
    apps.splice(apps.indexOf(app), 1);
    const started = Date.now();
    await app.close();
    return Date.now() - started;
  };

  beforeAll(async () => {
    redis = await useRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('dead-letters-shutdown');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await deleteKeys(redis.url, prefix);
  });
  afterAll(() => redis.close());

  it('dead-letters a delivery waiting for its retry at once, with its last error, and a new app replays it', async () => {
    handlers.orders = alwaysFails();
    const waiting = await boot({ shutdownTimeoutMs: 300, handlerRetries: { attempts: 3, backoffMs: 60_000, maxBackoffMs: 60_000 } });
    const sent = await waiting.send();
    expect(sent.status).toBe(200);
    await waitUntil('the first run to fail', () => handlers.count('orders', sent.delivery.id) === 1);
    await waitUntil('the sibling handler to run', () => handlers.count('audit', sent.delivery.id) === 1);

    // Closing waits at most shutdownTimeoutMs, not the minute of backoff.
    expect(await closeTimed(waiting)).toBeLessThan(5_000);
    expect(handlers.count('orders', sent.delivery.id)).toBe(1);

    const next = await boot({ handlerRetries: FAST_RETRIES });
    const { deadLetters } = await next.deadLetters.list();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      handlers: [ORDERS],
      error: 'orders down #1',
      attempts: 1,
      event: { id: sent.delivery.id, type: 'message.new', payload: sent.payload },
    });

    handlers.orders = succeeds;
    expect(await next.deadLetters.replay(deadLetters[0].id)).toMatchObject({ id: deadLetters[0].id, outcome: 'handled' });
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(await next.deadLetters.count()).toBe(0);
  });

  it('dead-letters a handler still running when shutdown stops waiting, saying so', async () => {
    const gate = deferred();
    handlers.hold = gate.promise;
    const running = await boot({ shutdownTimeoutMs: 300, handlerRetries: FAST_RETRIES });
    const sent = await running.send();
    await waitUntil('the handler to start', () => handlers.count('orders', sent.delivery.id) === 1);
    await waitUntil('the sibling handler to run', () => handlers.count('audit', sent.delivery.id) === 1);

    expect(await closeTimed(running)).toBeLessThan(5_000);

    const next = await boot({ handlerRetries: FAST_RETRIES });
    const { deadLetters } = await next.deadLetters.list();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ handlers: [ORDERS], event: { id: sent.delivery.id, payload: sent.payload } });
    expect(deadLetters[0].error).toMatch(/shut ?down/i);

    handlers.hold = undefined;
    gate.resolve();
    expect(await next.deadLetters.replay(deadLetters[0].id)).toMatchObject({ outcome: 'handled' });
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(await next.deadLetters.count()).toBe(0);
  });
});
