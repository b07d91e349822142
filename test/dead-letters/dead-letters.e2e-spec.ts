import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  getWazapinDeadLettersToken,
  InjectWazapinDeadLetters,
  RedisIdempotencyStore,
  WazapinDeadLetters,
  WazapinWebhooksModule,
  type WazapinDeadLetter,
  type WazapinDeadLetterReplayAll,
} from '../../lib/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, deferred, type AdapterName } from '../support/webhook-app.js';
import {
  allDeadLetters,
  alwaysFails,
  AUDIT,
  FAST_RETRIES,
  handlers,
  ORDERS,
  resolveProvider,
  secret,
  startDeadLetterApp,
  succeeds,
  waitForDeadLetters,
  type DeadLetterApp,
  type ForRootOptions,
  type Sent,
} from './dead-letter-harness.js';

// WazapinDeadLetters (issue 14): list, count, replay, replayAll and discard the events whose
// handlers still failed after their retries, in memory, in Redis (across restarts and
// instances), and over BullMQ's failed jobs in queue mode.

beforeEach(() => handlers.reset());

const apps: DeadLetterApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});
/** Boots an app; in background mode (the default) with fast retries, two attempts, unless `options` say otherwise. */
async function boot(adapter: AdapterName, options: Partial<ForRootOptions> = {}, metadata = {}): Promise<DeadLetterApp> {
  const background = options.dispatch === undefined || options.dispatch === 'background';
  const retries: Partial<ForRootOptions> = background ? { handlerRetries: { ...FAST_RETRIES, attempts: 2 } } : {};
  const app = await startDeadLetterApp(adapter, { ...retries, ...options }, metadata);
  apps.push(app);
  return app;
}
/** `attempts: 1`: dead-lettered at its first failure, for tests where retries are beside the point. */
const NO_RETRY: Partial<ForRootOptions> = { handlerRetries: { ...FAST_RETRIES, attempts: 1 } };

/** Sends `count` deliveries one after the other, each dead-lettered (emitted) before the next. */
async function deadLetterInOrder(app: DeadLetterApp, count: number, label = 'seq'): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let i = 0; i < count; i++) {
    sent.push(await app.send(`${label}${i}`));
    await waitUntil(`dead letter ${i + 1} to be emitted`, () => app.emitted.length === i + 1);
  }
  return sent;
}

/** maxEntries: 3 and five dead letters keep the newest three, with a warning. */
async function expectNewestKept(app: DeadLetterApp): Promise<void> {
  handlers.orders = alwaysFails();
  const sent = await deadLetterInOrder(app, 5, 'bounded');
  expect(await app.deadLetters.count()).toBe(3);
  expect((await allDeadLetters(app.deadLetters)).map((deadLetter) => deadLetter.event.id)).toEqual(sent.slice(2).map((s) => s.delivery.id));
  expect(app.logger.has('warn', /dead.?letter/i)).toBe(true);
}

describe.each(ADAPTERS)('dead letters in memory on %s', (adapter) => {
  it('replay after the handler is fixed runs only the failing handler, with the event, answers handled and removes the dead letter', async () => {
    let fixed = false;
    handlers.orders = (_event, call) => {
      if (!fixed) {
        throw new Error(`orders down #${call}`);
      }
    };
    const app = await boot(adapter);
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    const [deadLetter] = (await app.deadLetters.list()).deadLetters;
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);

    fixed = true;
    expect(await app.deadLetters.replay(deadLetter.id)).toEqual({ id: deadLetter.id, outcome: 'handled' });
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    const replayed = handlers.of('orders', sent.delivery.id)[2].event;
    expect(replayed).toMatchObject({ id: sent.delivery.id, type: 'message.new', payload: sent.payload, account: 'default' });
    expect(await app.deadLetters.count()).toBe(0);
    expect(await app.deadLetters.list()).toEqual({ deadLetters: [] });
    expect(await app.deadLetters.replay(deadLetter.id)).toMatchObject({ id: deadLetter.id, outcome: 'missing' });
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
  });

  it('a replay that fails again answers failed with the error, and keeps the dead letter with one more attempt and the new error', async () => {
    handlers.orders = alwaysFails();
    const app = await boot(adapter);
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    const [before] = (await app.deadLetters.list()).deadLetters;
    expect(before).toMatchObject({ attempts: 2, error: 'orders down #2' });

    const replay = await app.deadLetters.replay(before.id);
    expect(replay).toMatchObject({ id: before.id, outcome: 'failed', error: 'orders down #3' });
    // A replay is one run: no retries of its own.
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    const [after] = (await app.deadLetters.list()).deadLetters;
    expect(after).toMatchObject({ id: before.id, handlers: [ORDERS], attempts: 3, error: 'orders down #3', event: { id: sent.delivery.id } });
    expect(after.failedAt.getTime()).toBeGreaterThanOrEqual(before.failedAt.getTime());

    expect(await app.deadLetters.replay(before.id)).toMatchObject({ outcome: 'failed', error: 'orders down #4' });
    expect((await app.deadLetters.list()).deadLetters[0]).toMatchObject({ attempts: 4, error: 'orders down #4' });
    expect(await app.deadLetters.count()).toBe(1);
  });

  it('a replay where one of two failing handlers recovers narrows the dead letter to the other', async () => {
    handlers.orders = alwaysFails();
    handlers.audit = alwaysFails('audit down');
    const app = await boot(adapter, NO_RETRY);
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    const [deadLetter] = (await app.deadLetters.list()).deadLetters;
    expect([...deadLetter.handlers].sort()).toEqual([AUDIT, ORDERS].sort());

    handlers.audit = succeeds;
    expect(await app.deadLetters.replay(deadLetter.id)).toMatchObject({ outcome: 'failed', error: 'orders down #2' });
    expect((await app.deadLetters.list()).deadLetters[0]).toMatchObject({ handlers: [ORDERS], attempts: 2 });

    // The next replay runs only the handler still failing.
    expect(await app.deadLetters.replay(deadLetter.id)).toMatchObject({ outcome: 'failed' });
    expect(handlers.count('audit', sent.delivery.id)).toBe(2);
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
  });

  it("answers 'missing' for an unknown id, and discard is true for a dead letter, then false", async () => {
    handlers.orders = alwaysFails();
    const app = await boot(adapter, NO_RETRY);
    expect(await app.deadLetters.replay('no-such-dead-letter')).toMatchObject({ id: 'no-such-dead-letter', outcome: 'missing' });
    expect(await app.deadLetters.discard('no-such-dead-letter')).toBe(false);

    const [kept, dropped] = await deadLetterInOrder(app, 2, 'discard');
    const byEvent = new Map((await allDeadLetters(app.deadLetters)).map((deadLetter) => [deadLetter.event.id, deadLetter.id]));
    expect(await app.deadLetters.discard(byEvent.get(dropped.delivery.id)!)).toBe(true);
    expect(await app.deadLetters.count()).toBe(1);
    expect((await allDeadLetters(app.deadLetters)).map((deadLetter) => deadLetter.event.id)).toEqual([kept.delivery.id]);
    expect(await app.deadLetters.discard(byEvent.get(dropped.delivery.id)!)).toBe(false);
    expect(await app.deadLetters.replay(byEvent.get(dropped.delivery.id)!)).toMatchObject({ outcome: 'missing' });
    expect(handlers.count('orders', dropped.delivery.id)).toBe(1);
  });

  it('replayAll replays every dead letter and counts what each came to', async () => {
    handlers.orders = alwaysFails();
    const app = await boot(adapter, NO_RETRY);
    const sent = await deadLetterInOrder(app, 3, 'all');
    const fixed = new Set([sent[0].delivery.id, sent[2].delivery.id]);
    handlers.orders = (event) => {
      if (!fixed.has(event.id)) {
        throw new Error('still down');
      }
    };
    const counts: WazapinDeadLetterReplayAll = await app.deadLetters.replayAll();
    expect(counts).toEqual({ handled: 2, failed: 1, queued: 0 });
    const left = await allDeadLetters(app.deadLetters);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ event: { id: sent[1].delivery.id }, attempts: 2, error: 'still down' });
    expect(sent.map((s) => handlers.count('orders', s.delivery.id))).toEqual([2, 2, 2]);
    expect(sent.map((s) => handlers.count('audit', s.delivery.id))).toEqual([1, 1, 1]);
    expect(await app.deadLetters.replayAll()).toEqual({ handled: 0, failed: 1, queued: 0 });
  });

  it('lists oldest first, in pages of limit with a cursor absent on the last page, and counts them', async () => {
    handlers.orders = alwaysFails();
    const app = await boot(adapter, NO_RETRY);
    expect(await app.deadLetters.count()).toBe(0);
    expect(await app.deadLetters.list()).toEqual({ deadLetters: [] });
    const sent = await deadLetterInOrder(app, 5, 'page');
    const ids = sent.map((s) => s.delivery.id);
    expect(await app.deadLetters.count()).toBe(5);

    const first = await app.deadLetters.list({ limit: 2 });
    expect(first.deadLetters.map((deadLetter) => deadLetter.event.id)).toEqual(ids.slice(0, 2));
    expect(typeof first.cursor).toBe('string');
    const second = await app.deadLetters.list({ limit: 2, cursor: first.cursor });
    expect(second.deadLetters.map((deadLetter) => deadLetter.event.id)).toEqual(ids.slice(2, 4));
    expect(typeof second.cursor).toBe('string');
    const last = await app.deadLetters.list({ limit: 2, cursor: second.cursor });
    expect(last.deadLetters.map((deadLetter) => deadLetter.event.id)).toEqual(ids.slice(4));
    expect(last.cursor).toBeUndefined();

    const all = await app.deadLetters.list();
    expect(all.deadLetters.map((deadLetter) => deadLetter.event.id)).toEqual(ids);
    expect(all.cursor).toBeUndefined();
    expect(new Set(all.deadLetters.map((deadLetter) => deadLetter.id)).size).toBe(5);
  });

  it("answers 'busy' to a replay of a dead letter whose replay is running", async () => {
    handlers.orders = alwaysFails();
    const app = await boot(adapter, NO_RETRY);
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    const [deadLetter] = (await app.deadLetters.list()).deadLetters;

    const gate = deferred();
    handlers.hold = gate.promise;
    handlers.orders = succeeds;
    const first = app.deadLetters.replay(deadLetter.id);
    await waitUntil('the replay to reach the handler', () => handlers.count('orders', sent.delivery.id) === 2);
    expect(await app.deadLetters.replay(deadLetter.id)).toMatchObject({ id: deadLetter.id, outcome: 'busy' });
    gate.resolve();
    expect(await first).toMatchObject({ outcome: 'handled' });
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
    expect(await app.deadLetters.count()).toBe(0);
  });

  it('keeps the newest maxEntries dead letters', async () => {
    await expectNewestKept(await boot(adapter, { ...NO_RETRY, deadLetters: { maxEntries: 3 } }));
  });

  it("dead-letters nothing in dispatch: 'inline', where the platform retries, and lists nothing", async () => {
    handlers.orders = alwaysFails();
    const app = await boot(adapter, { dispatch: 'inline' });
    const sent = await app.send();
    expect(sent.status).toBe(500);
    expect(handlers.count('orders', sent.delivery.id)).toBe(1);
    expect(await app.deadLetters.count()).toBe(0);
    expect(await app.deadLetters.list()).toEqual({ deadLetters: [] });
    expect(app.emitted).toEqual([]);
  });
});

describe('named registrations', () => {
  @Injectable()
  class DeadLetterClients {
    constructor(
      @InjectWazapinDeadLetters('acme') readonly acme: WazapinDeadLetters,
      @Inject(WazapinDeadLetters) readonly byClass: WazapinDeadLetters,
    ) {}
  }

  it("each registration has its own dead letters: @InjectWazapinDeadLetters('acme') injects acme's", async () => {
    handlers.orders = alwaysFails();
    const app = await boot('express', NO_RETRY, {
      imports: [WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: secret, ...NO_RETRY })],
      providers: [DeadLetterClients],
    });
    const clients = resolveProvider(app, DeadLetterClients);
    expect(resolveProvider(app, getWazapinDeadLettersToken('acme'))).toBe(clients.acme);
    expect(clients.acme).not.toBe(clients.byClass);

    const toAcme = await app.send('acme', '/webhooks/acme');
    expect(toAcme.status).toBe(200);
    await waitForDeadLetters(clients.acme, 1);
    expect(await clients.byClass.count()).toBe(0);
    const [acmeLetter] = (await clients.acme.list()).deadLetters;
    expect(acmeLetter).toMatchObject({ handlers: [ORDERS], event: { id: toAcme.delivery.id, account: 'acme' } });

    const toDefault = await app.send('default');
    await waitForDeadLetters(clients.byClass, 1);
    expect((await clients.byClass.list()).deadLetters[0].event).toMatchObject({ id: toDefault.delivery.id, account: 'default' });
    expect(await clients.acme.count()).toBe(1);

    handlers.orders = succeeds;
    expect(await clients.acme.replay(acmeLetter.id)).toMatchObject({ outcome: 'handled' });
    expect(handlers.of('orders', toAcme.delivery.id).map((run) => run.account)).toEqual(['acme', 'acme']);
    expect(await clients.acme.count()).toBe(0);
    expect(await clients.byClass.count()).toBe(1);
  });
});

describeIf(redisMissing)('dead letters in Redis (RedisIdempotencyStore)', () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  const bootOnRedis = (options: Partial<ForRootOptions> = {}) =>
    boot('express', { idempotency: { store: new RedisIdempotencyStore(redis.url, { keyPrefix: `${prefix}:` }) }, ...options });

  beforeAll(async () => {
    redis = await useRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('dead-letters');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await deleteKeys(redis.url, prefix);
  });
  afterAll(() => redis.close());

  it('a dead letter survives an app restart, as it was, and the new app replays it', async () => {
    handlers.orders = alwaysFails();
    const first = await bootOnRedis();
    const sent = await first.send();
    await waitForDeadLetters(first.deadLetters, 1);
    const [before] = (await first.deadLetters.list()).deadLetters;
    await apps.splice(apps.indexOf(first), 1)[0].close();

    const second = await bootOnRedis();
    const { deadLetters } = await second.deadLetters.list();
    expect(deadLetters).toHaveLength(1);
    const [after] = deadLetters;
    expect(after).toMatchObject({
      id: before.id,
      handlers: [ORDERS],
      error: 'orders down #2',
      attempts: 2,
      event: { id: sent.delivery.id, type: 'message.new', payload: sent.payload, account: 'default' },
    });
    expect(after.event.timestamp).toBeInstanceOf(Date);
    expect(after.event.timestamp.getTime()).toBe(before.event.timestamp.getTime());
    expect(after.event.receivedAt).toBeInstanceOf(Date);
    expect(after.failedAt).toBeInstanceOf(Date);
    expect(after.failedAt.getTime()).toBe(before.failedAt.getTime());

    handlers.orders = succeeds;
    expect(await second.deadLetters.replay(after.id)).toMatchObject({ outcome: 'handled' });
    expect(handlers.of('orders', sent.delivery.id)[2].event).toMatchObject({ id: sent.delivery.id, payload: sent.payload });
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(await second.deadLetters.count()).toBe(0);
  });

  it("two apps sharing Redis see the same dead letters, and a replay on one of them is 'busy' on the other", async () => {
    handlers.orders = alwaysFails();
    const [a, b] = await Promise.all([bootOnRedis(NO_RETRY), bootOnRedis(NO_RETRY)]);
    const sent = await a.send();
    await waitForDeadLetters(a.deadLetters, 1);
    const [seenByA] = (await a.deadLetters.list()).deadLetters;
    const [seenByB] = (await b.deadLetters.list()).deadLetters;
    expect(seenByB).toMatchObject({ id: seenByA.id, handlers: [ORDERS], event: { id: sent.delivery.id, payload: sent.payload } });
    expect(await b.deadLetters.count()).toBe(1);

    const gate = deferred();
    handlers.hold = gate.promise;
    handlers.orders = succeeds;
    const onA = a.deadLetters.replay(seenByA.id);
    await waitUntil('the replay to reach the handler', () => handlers.count('orders', sent.delivery.id) === 2);
    expect(await b.deadLetters.replay(seenByA.id)).toMatchObject({ outcome: 'busy' });
    gate.resolve();
    expect(await onA).toMatchObject({ outcome: 'handled' });
    expect(await b.deadLetters.count()).toBe(0);
    expect(await b.deadLetters.replay(seenByA.id)).toMatchObject({ outcome: 'missing' });
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
  });

  it('dead-letters a handler throwing a non-Error, with a readable error', async () => {
    handlers.orders = (event) => {
      if (event.id.includes('nullproto')) {
        throw Object.create(null);
      }
      throw 'plain string failure';
    };
    const app = await bootOnRedis(NO_RETRY);
    const nullProto = await app.send('nullproto');
    const text = await app.send('text');
    await waitForDeadLetters(app.deadLetters, 2);
    const byEvent = new Map<string, WazapinDeadLetter>((await allDeadLetters(app.deadLetters)).map((deadLetter) => [deadLetter.event.id, deadLetter]));
    const ofNullProto = byEvent.get(nullProto.delivery.id)!;
    const ofText = byEvent.get(text.delivery.id)!;
    expect(ofNullProto.handlers).toEqual([ORDERS]);
    expect(typeof ofNullProto.error).toBe('string');
    expect(ofNullProto.error.length).toBeGreaterThan(0);
    expect(ofText.handlers).toEqual([ORDERS]);
    expect(ofText.error).toContain('plain string failure');
  });

  it('keeps the newest maxEntries dead letters in Redis too', async () => {
    await expectNewestKept(await bootOnRedis({ ...NO_RETRY, deadLetters: { maxEntries: 3 } }));
  });
});

describeIf(redisMissing)("dead letters in dispatch: 'queue' (BullMQ failed jobs)", () => {
  const QUEUE = 'wazapin-webhooks';
  const jobId = (id: string) => `dlv_${id}~message.new`;
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let inspect: Queue;
  const bootQueued = () =>
    boot('express', {
      dispatch: 'queue',
      queue: { connection: redis.url, prefix, attempts: 2, backoff: { type: 'fixed', delay: 10 } },
    });

  beforeAll(async () => {
    redis = await useRedis();
  });
  beforeEach(() => {
    prefix = uniquePrefix('dead-letters-queue');
    inspect = new Queue(QUEUE, { connection: { url: redis.url }, prefix });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await inspect.close();
    await deleteKeys(redis.url, prefix);
  });
  afterAll(() => redis.close());

  it("lists an exhausted job with its failing handler; replay answers 'queued' and the worker runs only that handler", async () => {
    handlers.orders = alwaysFails();
    const app = await bootQueued();
    const sent = await app.send();
    expect(sent.status).toBe(200);
    await waitForDeadLetters(app.deadLetters, 1);
    const job = await inspect.getJob(jobId(sent.delivery.id));
    const [deadLetter] = (await app.deadLetters.list()).deadLetters;
    expect(deadLetter).toMatchObject({
      id: jobId(sent.delivery.id),
      handlers: [ORDERS],
      attempts: 2,
      error: job?.failedReason,
      event: { id: sent.delivery.id, type: 'message.new', payload: sent.payload },
    });
    expect(deadLetter.error).toContain('orders down #2');
    expect(deadLetter.failedAt).toBeInstanceOf(Date);
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(await app.deadLetters.replay('dlv_no-such-job~message.new')).toMatchObject({ outcome: 'missing' });

    handlers.orders = succeeds;
    expect(await app.deadLetters.replay(deadLetter.id)).toMatchObject({ id: deadLetter.id, outcome: 'queued' });
    await waitUntil('the job to complete', async () => (await inspect.getJobState(deadLetter.id)) === 'completed');
    expect(handlers.count('orders', sent.delivery.id)).toBe(3);
    expect(handlers.count('audit', sent.delivery.id)).toBe(1);
    expect(await app.deadLetters.count()).toBe(0);
    expect(await app.deadLetters.list()).toEqual({ deadLetters: [] });
  });

  it('discard removes the failed job', async () => {
    handlers.orders = alwaysFails();
    const app = await bootQueued();
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    expect(await app.deadLetters.discard(jobId(sent.delivery.id))).toBe(true);
    expect(await inspect.getJob(jobId(sent.delivery.id))).toBeUndefined();
    expect(await app.deadLetters.count()).toBe(0);
    expect(await app.deadLetters.discard(jobId(sent.delivery.id))).toBe(false);
    expect(handlers.count('orders', sent.delivery.id)).toBe(2);
  });

  it("ids that are BullMQ's own key names are missing, not a Redis WRONGTYPE error; two replays at once: one queued, the other busy (found by an outside attack)", async () => {
    handlers.orders = alwaysFails();
    const app = await bootQueued();
    const sent = await app.send();
    await waitForDeadLetters(app.deadLetters, 1);
    for (const id of ['id', 'events', 'failed', 'stalled-check', 'wait', 'meta']) {
      expect(await app.deadLetters.replay(id)).toEqual({ id, outcome: 'missing' });
      expect(await app.deadLetters.discard(id)).toBe(false);
    }
    const outcomes = await Promise.all([1, 2, 3].map(() => app.deadLetters.replay(jobId(sent.delivery.id))));
    expect(outcomes.map((replay) => replay.outcome).sort()).toEqual(['busy', 'busy', 'queued']);
  });
});
