import { randomInt } from 'node:crypto';
import { RedisIdempotencyStore } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, redisServerMissing, startRedisServer, uniquePrefix, useRedis, type RedisServer } from '../support/redis.js';
import { seedFromEnv } from '../support/seeded-random.js';
import { waitUntil } from '../support/wait-until.js';
import { deferred } from '../support/webhook-app.js';
import {
  attempt,
  DUPLICATE,
  deliverUntilAcknowledged,
  newDeliveryId,
  newMessageId,
  RECEIVED,
  ROUTE,
  sendInOrder,
  STALE,
  staleEmissionsOf,
  startStatusApp,
  statusBody,
  StatusLog,
  statusStorm,
  type ForRootOptions,
  type StatusApp,
  DEFAULT_RANKS,
  ORDERS_IN_THE_WILD as ORDERS,
  expectNoViolations,
} from './status-order-harness.js';

// Issue 13, "Status order", across instances: two apps, each with a RedisIdempotencyStore of its
// own on one Redis and one key prefix, must agree on what is stale. (The two run in this process,
// as in test/dispatch/inline-retries.e2e-spec.ts; the test with two key prefixes checks that
// they agree through Redis, not through some state of the process.) Replay the random orders
// with STATUS_ORDER_SEED=<seed printed on failure>.

const SEED = seedFromEnv('STATUS_ORDER_SEED', randomInt(2 ** 31));
const secret = generateWazapinSecret();
const log = new StatusLog();


describeIf(redisMissing)('status order across two instances sharing one Redis', () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  const apps: StatusApp[] = [];

  /** Two instances, each with a store of its own on the suite's Redis, under `keyPrefix`. */
  const fleet = async (options: Partial<ForRootOptions>, keyPrefixes = [prefix, prefix]) => {
    return Promise.all(
      keyPrefixes.map((keyPrefix, index) => {
        const store = new RedisIdempotencyStore(redis.url, { keyPrefix });
        return startStatusApp(`instance-${'ab'[index]}`, log, [{ secrets: secret, dispatch: 'inline', ...options, idempotency: { store } }]).then(
          (app) => (apps.push(app), app),
          async (error: unknown) => {
            await store.close();
            throw error;
          },
        );
      }),
    );
  };
  const urls = (instances: readonly StatusApp[]) => instances.map((app) => app.url + ROUTE);

  beforeAll(async () => {
    redis = await useRedis();
  });
  beforeEach(() => {
    log.reset();
    prefix = `${uniquePrefix('status-order')}:`;
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await deleteKeys(redis.url, prefix);
  });
  afterAll(() => redis.close());

  it("'drop': the orders seen in the wild, sent one after the other, alternating instances", async () => {
    const instances = await fleet({ statusOrder: 'drop' });
    for (const [index, [name, statuses, stale]] of ORDERS.entries()) {
      const messageId = newMessageId('wild');
      // Start on a and on b in turn, so each update of a pair lands on each instance in some order.
      const targets = index % 2 === 0 ? urls(instances) : urls(instances).reverse();
      const delivered = await sendInOrder(targets, secret, messageId, statuses);
      expect({ name, answers: delivered.map((d) => d.final.text) }).toEqual({ name, answers: stale.map((s) => (s ? STALE : RECEIVED)) });
      expect({ name, seen: log.statuses(messageId) }).toEqual({ name, seen: statuses.filter((_, i) => !stale[i]) });
      const staleDeliveries = delivered.filter((_, i) => stale[i]);
      expect({ name, emitted: staleEmissionsOf(instances, messageId) }).toEqual({
        name,
        emitted: staleDeliveries.map((d) => ({ id: d.id, status: (d.body as { status: string }).status, rank: DEFAULT_RANKS[(d.body as { status: string }).status] })),
      });
      // Deduplicated across the fleet: the retry of a stale update, on either instance, is a duplicate.
      for (const d of staleDeliveries) {
        for (const url of urls(instances)) {
          expect((await attempt(url, secret, d.id, d.body)).text).toBe(DUPLICATE);
        }
      }
    }
    // Both instances handled some.
    expect(new Set(log.runs.map((run) => run.app))).toEqual(new Set(['instance-a', 'instance-b']));
  });

  it("'flag': the orders seen in the wild reach the handler, each with the right event.stale, alternating instances", async () => {
    const instances = await fleet({ statusOrder: 'flag' });
    for (const [index, [name, statuses, stale]] of ORDERS.entries()) {
      const messageId = newMessageId('wild-flag');
      const targets = index % 2 === 0 ? urls(instances) : urls(instances).reverse();
      const delivered = await sendInOrder(targets, secret, messageId, statuses);
      expect({ name, statuses: delivered.map((d) => d.final.status) }).toEqual({ name, statuses: statuses.map(() => 200) });
      expect({ name, seen: log.of(messageId).map((run) => [run.status, run.stale]) }).toEqual({
        name,
        seen: statuses.map((status, i) => [status, stale[i]]),
      });
    }
  });

  it('a failed handler does not advance the rank: delivered throws on a (500), its retry on b is fresh, a later sent on a is stale', async () => {
    const [a, b] = await fleet({ statusOrder: 'drop' });
    const messageId = newMessageId('fail');
    let failures = 1;
    log.behaviour.fail = (event) => event.payload.status === 'delivered' && failures-- > 0;
    const deliveredId = newDeliveryId();

    expect((await attempt(a.url + ROUTE, secret, deliveredId, statusBody(messageId, 'delivered'))).status).toBe(500);
    expect((await deliverUntilAcknowledged(b.url + ROUTE, secret, deliveredId, statusBody(messageId, 'delivered'))).final.text).toBe(RECEIVED);
    expect((await deliverUntilAcknowledged(a.url + ROUTE, secret, newDeliveryId(), statusBody(messageId, 'sent'))).final.text).toBe(STALE);
    expect(log.of(messageId).map((run) => `${run.app} ${String(run.status)} ${run.ok ? 'ok' : 'failed'}`)).toEqual([
      'instance-a delivered failed',
      'instance-b delivered ok',
    ]);

    // And a failed read leaves delivered fresh on the other instance; the read retried there is fresh too.
    const second = newMessageId('fail-read');
    let readFailures = 1;
    log.behaviour.fail = (event) => event.payload.status === 'read' && readFailures-- > 0;
    const readId = newDeliveryId();
    expect((await attempt(b.url + ROUTE, secret, readId, statusBody(second, 'read'))).status).toBe(500);
    expect((await deliverUntilAcknowledged(a.url + ROUTE, secret, newDeliveryId(), statusBody(second, 'delivered'))).final.text).toBe(RECEIVED);
    expect((await deliverUntilAcknowledged(a.url + ROUTE, secret, readId, statusBody(second, 'read'))).final.text).toBe(RECEIVED);
    expect((await deliverUntilAcknowledged(b.url + ROUTE, secret, newDeliveryId(), statusBody(second, 'failed'))).final.text).toBe(STALE);
  });

  it("is per message and per Redis key prefix: two fleets' prefixes, and two messages, order apart", async () => {
    // Instances whose stores have different prefixes are different deployments: if they agreed,
    // the order would be kept in this process, not in Redis, and a real fleet would not agree.
    const [a, b] = await fleet({ statusOrder: 'drop' }, [prefix, `${prefix}other:`]);
    const [m1, m2] = [newMessageId('one'), newMessageId('two')];
    const answers = [
      await deliverUntilAcknowledged(a.url + ROUTE, secret, newDeliveryId(), statusBody(m1, 'read')),
      await deliverUntilAcknowledged(b.url + ROUTE, secret, newDeliveryId(), statusBody(m1, 'sent')),
      await deliverUntilAcknowledged(a.url + ROUTE, secret, newDeliveryId(), statusBody(m2, 'sent')),
      await deliverUntilAcknowledged(a.url + ROUTE, secret, newDeliveryId(), statusBody(m1, 'delivered')),
      await deliverUntilAcknowledged(b.url + ROUTE, secret, newDeliveryId(), statusBody(m1, 'delivered')),
    ].map((d) => d.final.text);
    expect(answers).toEqual([RECEIVED, RECEIVED, RECEIVED, STALE, RECEIVED]);
  });

  it('hostile message ids behave like any other across the fleet: each ordered on its own, all 2xx', async () => {
    const instances = await fleet({ statusOrder: 'drop' });
    const HOSTILE = [
      '__proto__',
      'constructor',
      'x'.repeat(10 * 1024),
      `${'x'.repeat(10 * 1024 - 1)}y`,
      'a',
      'a:b',
      'a:b:read',
      '*',
      'a*',
      '[a]?',
      '{a}',
      '{a}:b',
      '}{',
      'pesan-✓-ü-😀',
      '\u00e9',
      'e\u0301',
      'nul\u0000byte',
    ];
    const phase = async (status: string) => {
      const answers: string[] = [];
      for (const [index, messageId] of HOSTILE.entries()) {
        const url = instances[index % 2].url + ROUTE;
        answers.push((await deliverUntilAcknowledged(url, secret, newDeliveryId(), statusBody(messageId, status))).final.text);
      }
      return answers;
    };
    expect(await phase('delivered')).toEqual(HOSTILE.map(() => RECEIVED));
    // The other instance each time: it must learn the order through Redis.
    instances.reverse();
    expect(await phase('read')).toEqual(HOSTILE.map(() => RECEIVED));
    instances.reverse();
    expect(await phase('sent')).toEqual(HOSTILE.map(() => STALE));
    for (const messageId of HOSTILE) {
      expect({ messageId: messageId.slice(0, 40), seen: log.statuses(messageId) }).toEqual({ messageId: messageId.slice(0, 40), seen: ['delivered', 'read'] });
    }
  });

  it.each<['inline' | 'background']>([['inline'], ['background']])(
    "200 random orders, all four updates of 50 messages at once, each attempt to either instance (%s, 'drop'): strictly increasing ranks, ending at read",
    async (dispatch) => {
      const instances = await fleet({ statusOrder: 'drop', dispatch });
      log.behaviour.delayMs = () => randomInt(0, 6);
      const result = await statusStorm({
        apps: instances,
        log,
        secret,
        seed: SEED,
        mode: 'drop',
        messages: 200,
        perRound: 50,
        // A graceful close waits for background handlers, so what they saw is final.
        settle: dispatch === 'background' ? async () => void (await Promise.all(instances.map((app) => app.close()))) : undefined,
      });
      console.log(`across two instances, ${dispatch}: ${result.summary}`);
      expect(new Set(log.runs.map((run) => run.app))).toEqual(new Set(['instance-a', 'instance-b']));
      expectNoViolations(result);
    },
    30_000,
  );

  it("200 random orders in dispatch: 'queue', two instances each with a worker: the workers order them, the route drops what it knows is stale", async () => {
    const queue = { connection: redis.url, prefix: `${prefix}bull`, name: 'status-order', backoff: { type: 'fixed' as const, delay: 10 } };
    const instances = await fleet({ statusOrder: 'drop', dispatch: 'queue', queue });
    log.behaviour.delayMs = () => randomInt(0, 6);
    const seenOf = (messageId: unknown) => log.of(messageId).length + staleEmissionsOf(instances, messageId).length;
    const result = await statusStorm({
      apps: instances,
      log,
      secret,
      seed: SEED,
      mode: 'drop',
      messages: 200,
      perRound: 50,
      queued: true,
      settle: () =>
        waitUntil('the workers to handle or drop every queued update', () => {
          const ids = new Set(log.runs.map((run) => run.messageId));
          return ids.size === 200 && [...ids].every((id) => seenOf(id) === 4) && log.active === 0;
        }, 30_000),
    });
    console.log(`across two instances, queue: ${result.summary}`);
    expect(new Set(log.runs.map((run) => run.app))).toEqual(new Set(['instance-a', 'instance-b']));
    expectNoViolations(result);
  }, 60_000);
});

describeIf(redisMissing)("status order in dispatch: 'queue', a message held longer than the wait", () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let app: StatusApp | undefined;

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterEach(async () => {
    await app?.close();
    await deleteKeys(redis.url, prefix);
  });
  afterAll(() => redis.close());

  it('the worker delays an update whose message is held (no attempt spent) and handles it, fresh, once the first settles', async () => {
    log.reset();
    prefix = `${uniquePrefix('status-order-queue')}:`;
    const store = new RedisIdempotencyStore(redis.url, { keyPrefix: prefix });
    app = await startStatusApp('queue', log, [
      { secrets: secret, statusOrder: 'drop', dispatch: 'queue', queue: { connection: redis.url, prefix: `${prefix}bull`, attempts: 1 }, idempotency: { store } },
    ]);
    const messageId = newMessageId('held');
    const gate = deferred();
    log.behaviour.hold = (event) => (event.payload.status === 'delivered' ? gate.promise : undefined);
    expect((await attempt(app.url + ROUTE, secret, newDeliveryId(), statusBody(messageId, 'delivered'))).text).toBe(RECEIVED);
    await waitUntil('delivered to be handled', () => log.of(messageId).length === 1);
    expect((await attempt(app.url + ROUTE, secret, newDeliveryId(), statusBody(messageId, 'read'))).text).toBe(RECEIVED);
    // Past the worker's one-second wait: the job of read is delayed, not failed (attempts: 1 would leave it failed).
    await new Promise((resolve) => setTimeout(resolve, 1800));
    expect(log.statuses(messageId)).toEqual(['delivered']);
    gate.resolve();
    await waitUntil('read to be handled after delivered', () => log.of(messageId).length === 2, 10_000);
    expect(log.of(messageId).map((run) => [run.status, run.ok])).toEqual([['delivered', true], ['read', true]]);
    expect(log.of(messageId)[1].startSeq).toBeGreaterThan(log.of(messageId)[0].endSeq!);
    expect((await attempt(app.url + ROUTE, secret, newDeliveryId(), statusBody(messageId, 'sent'))).text).toBe(STALE);
  });
});

describeIf(redisServerMissing)('status order while Redis is stopped', () => {
  let redis: RedisServer;
  let app: StatusApp | undefined;
  let store: RedisIdempotencyStore | undefined;

  beforeEach(async () => {
    log.reset();
    // Persistent, as a production Redis is: the order kept before the outage outlives it.
    redis = await startRedisServer({ persistent: true });
  });
  afterEach(async () => {
    // A store the app was given is closed by the app's shutdown; one whose app did not boot, here.
    await (app ? app.close() : store?.close());
    app = undefined;
    store = undefined;
    await redis.close();
  });

  it('a status update is answered 503 (not 500, no crash) while Redis is down, and handled, in order, once it is back', async () => {
    store = new RedisIdempotencyStore(redis.url, { keyPrefix: `${uniquePrefix('status-outage')}:` });
    app = await startStatusApp('outage', log, [{ secrets: secret, dispatch: 'inline', statusOrder: 'drop', idempotency: { store } }]);
    const url = app.url + ROUTE;
    const messageId = newMessageId('outage');
    expect((await deliverUntilAcknowledged(url, secret, newDeliveryId(), statusBody(messageId, 'delivered'))).final.text).toBe(RECEIVED);

    await redis.stop();
    const readId = newDeliveryId();
    const sentId = newDeliveryId();
    const down = [await attempt(url, secret, readId, statusBody(messageId, 'read')), await attempt(url, secret, sentId, statusBody(messageId, 'sent'))];
    expect(down.map((a) => a.status)).toEqual([503, 503]);
    expect(log.statuses(messageId)).toEqual(['delivered']);

    await redis.start();
    // The platform's retries, once Redis is back: the read is fresh, the sent (below delivered) stale.
    let read: string | undefined;
    await waitUntil('the read to be acknowledged after Redis is back', async () => {
      const answer = await attempt(url, secret, readId, statusBody(messageId, 'read'));
      read = answer.text;
      return answer.status >= 200 && answer.status < 300;
    });
    expect(read).toBe(RECEIVED);
    expect((await deliverUntilAcknowledged(url, secret, sentId, statusBody(messageId, 'sent'))).final.text).toBe(STALE);
    expect(log.statuses(messageId)).toEqual(['delivered', 'read']);
    expect((await deliverUntilAcknowledged(url, secret, newDeliveryId(), statusBody(messageId, 'failed'))).final.text).toBe(STALE);
  });
});
