import { InMemoryIdempotencyStore, RedisIdempotencyStore, type IdempotencyStore } from '../../lib/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';

/** A store under test, and how to let `seconds` pass for it. */
interface Subject {
  store: IdempotencyStore;
  advance(seconds: number): Promise<void>;
}

/**
 * What every IdempotencyStore does, run against each of the module's stores so that a
 * delivery is handled the same whichever one an app configures.
 */
function storeContract(make: () => Promise<Subject>): void {
  let subject: Subject;
  beforeEach(async () => {
    subject = await make();
  });

  it('claims a new key once; a second claim finds it processing', async () => {
    expect(await subject.store.claim('delivery:a', 60)).toBe('claimed');
    expect(await subject.store.claim('delivery:a', 60)).toBe('processing');
  });

  it('answers done once the key is completed', async () => {
    await subject.store.claim('delivery:a', 60);
    await subject.store.complete('delivery:a', 3600);
    expect(await subject.store.claim('delivery:a', 60)).toBe('done');
  });

  it('lets a released key be claimed again', async () => {
    await subject.store.claim('delivery:a', 60);
    await subject.store.release('delivery:a');
    expect(await subject.store.claim('delivery:a', 60)).toBe('claimed');
  });

  it('keeps the done marker when a release comes after the completion', async () => {
    await subject.store.claim('delivery:a', 60);
    await subject.store.complete('delivery:a', 3600);
    await subject.store.release('delivery:a');
    expect(await subject.store.claim('delivery:a', 60)).toBe('done');
  });

  it('releasing a key never claimed changes nothing', async () => {
    await subject.store.release('delivery:never');
    expect(await subject.store.claim('delivery:never', 60)).toBe('claimed');
  });

  it('completing without a claim marks the key done', async () => {
    await subject.store.complete('delivery:b', 3600);
    expect(await subject.store.claim('delivery:b', 60)).toBe('done');
  });

  it('frees a lease whose holder died once it expires, and forgets a done key after its TTL', async () => {
    await subject.store.claim('delivery:lease', 1);
    await subject.store.claim('delivery:done', 60);
    await subject.store.complete('delivery:done', 1);
    await subject.advance(2);
    expect(await subject.store.claim('delivery:lease', 60)).toBe('claimed');
    expect(await subject.store.claim('delivery:done', 60)).toBe('claimed');
  });

  it('tells a done key from a processing, released, expired or unknown one', async () => {
    await subject.store.claim('delivery:done', 60);
    await subject.store.complete('delivery:done', 1);
    await subject.store.claim('delivery:processing', 60);
    await subject.store.claim('delivery:released', 60);
    await subject.store.release('delivery:released');
    const isDone = (key: string) => subject.store.isDone!(key);

    expect(await isDone('delivery:done')).toBe(true);
    expect(await isDone('delivery:processing')).toBe(false);
    expect(await isDone('delivery:released')).toBe(false);
    expect(await isDone('delivery:unknown')).toBe(false);
    await subject.advance(2);
    expect(await isDone('delivery:done')).toBe(false);
  });

  it('keeps keys apart', async () => {
    await subject.store.claim('delivery:a', 60);
    await subject.store.complete('delivery:a', 3600);
    expect(await subject.store.claim('delivery:A', 60)).toBe('claimed');
    expect(await subject.store.claim('message:message.new:a', 60)).toBe('claimed');
  });
}

describe('IdempotencyStore contract: InMemoryIdempotencyStore', () => {
  storeContract(async () => {
    const clock = { ms: 1_700_000_000_000 };
    return {
      store: new InMemoryIdempotencyStore({ now: () => clock.ms, maxEntries: 1000 }),
      advance: async (seconds) => {
        clock.ms += seconds * 1000;
      },
    };
  });
});

describeIf(redisMissing)('IdempotencyStore contract: RedisIdempotencyStore', () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let store: RedisIdempotencyStore | undefined;

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterEach(async () => {
    await store?.close();
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    await redis.close();
  });

  storeContract(async () => {
    prefix = `${uniquePrefix('contract')}:`;
    store = new RedisIdempotencyStore(redis.url, { keyPrefix: prefix });
    return {
      store,
      // Redis expires keys in real time, to the millisecond.
      advance: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 100)),
    };
  });
});
