import { InMemoryIdempotencyStore, RedisIdempotencyStore, type IdempotencyStore } from '../../lib/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';

/** A store under test, and how to let `seconds` pass for it. */
interface Subject {
  store: IdempotencyStore;
  advance(seconds: number): Promise<void>;
  /**
   * Another store on the same data, as another instance of the app has: for stores several
   * instances share, whose claims have owners.
   */
  peer?(): IdempotencyStore;
}

type StatusStore = Required<Pick<IdempotencyStore, 'claimStatus' | 'completeStatus' | 'releaseStatus' | 'statusRank'>> & IdempotencyStore;

function statuses(store: IdempotencyStore): StatusStore {
  for (const method of ['claimStatus', 'completeStatus', 'releaseStatus', 'statusRank'] as const) {
    expect(store[method]).toBeInstanceOf(Function);
  }
  return store as StatusStore;
}

type BatchStore = Required<Pick<IdempotencyStore, 'claimAll' | 'completeAll' | 'releaseAll'>> & IdempotencyStore;

function batch(store: IdempotencyStore): BatchStore {
  expect(store.claimAll).toBeInstanceOf(Function);
  expect(store.completeAll).toBeInstanceOf(Function);
  expect(store.releaseAll).toBeInstanceOf(Function);
  return store as BatchStore;
}

/**
 * What every IdempotencyStore does, run against each of the module's stores so that a
 * delivery is handled the same whichever one an app configures.
 */
function storeContract(make: () => Promise<Subject>, { shared }: { shared: boolean }): void {
  let subject: Subject;
  beforeEach(async () => {
    subject = await make();
  });

  describe('recorded times (recovery.onStartup)', () => {
    const times = (store: IdempotencyStore) => {
      expect(store.recordTime).toBeInstanceOf(Function);
      expect(store.recordedTime).toBeInstanceOf(Function);
      return store as Required<Pick<IdempotencyStore, 'recordTime' | 'recordedTime'>>;
    };

    it('remembers the latest time recorded, never an earlier one, apart from keys and claims', async () => {
      const store = times(subject.store);
      expect(await store.recordedTime('recovery:last-accepted')).toBeUndefined();
      await store.recordTime('recovery:last-accepted', 1_800_000_000_000, 60);
      await store.recordTime('recovery:last-accepted', 1_700_000_000_000, 60);
      expect(await store.recordedTime('recovery:last-accepted')).toBe(1_800_000_000_000);
      await store.recordTime('recovery:last-accepted', 1_800_000_000_500, 60);
      expect(await store.recordedTime('recovery:last-accepted')).toBe(1_800_000_000_500);
      expect(await store.recordedTime('account:acme:recovery:last-accepted')).toBeUndefined();
      expect(await subject.store.claim('recovery:last-accepted:x', 60)).toBe('claimed');
    });

    it('forgets a time after its TTL', async () => {
      const store = times(subject.store);
      await store.recordTime('recovery:last-accepted', 1_800_000_000_000, 1);
      await subject.advance(2);
      expect(await store.recordedTime('recovery:last-accepted')).toBeUndefined();
    });

    if (shared) {
      it('is seen by another instance', async () => {
        await times(subject.store).recordTime('recovery:last-accepted', 1_800_000_000_000, 60);
        expect(await times(subject.peer!()).recordedTime('recovery:last-accepted')).toBe(1_800_000_000_000);
      });
    }
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

  describe('claimAll, completeAll, releaseAll', () => {
    const keys = ['delivery:a', 'message:message.new:m'];

    it('claims every key; each is then processing, alone or in a batch', async () => {
      const store = batch(subject.store);
      expect(await store.claimAll(keys, 60)).toBe('claimed');
      expect(await store.claim(keys[0], 60)).toBe('processing');
      expect(await store.claim(keys[1], 60)).toBe('processing');
      expect(await store.claimAll(keys, 60)).toBe('processing');
      expect(await store.claimAll([keys[1]], 60)).toBe('processing');
    });

    it('claims none when the second key is done, and answers done', async () => {
      const store = batch(subject.store);
      await store.complete(keys[1], 3600);
      expect(await store.claimAll(keys, 60)).toBe('done');
      expect(await store.claim(keys[0], 60)).toBe('claimed');
    });

    it('claims none when the second key is processing, and answers processing', async () => {
      const store = batch(subject.store);
      await store.claim(keys[1], 60);
      expect(await store.claimAll(keys, 60)).toBe('processing');
      expect(await store.claim(keys[0], 60)).toBe('claimed');
    });

    it('answers for the first key that cannot be claimed', async () => {
      const store = batch(subject.store);
      await store.claim('delivery:processing', 60);
      await store.complete('delivery:done', 3600);
      expect(await store.claimAll(['delivery:processing', 'delivery:done'], 60)).toBe('processing');
      expect(await store.claimAll(['delivery:done', 'delivery:processing'], 60)).toBe('done');
      expect(await store.claimAll(['delivery:new', 'delivery:done', 'delivery:processing'], 60)).toBe('done');
      expect(await store.claim('delivery:new', 60)).toBe('claimed');
    });

    it('claims nothing for no keys', async () => {
      const store = batch(subject.store);
      expect(await store.claimAll([], 60)).toBe('claimed');
      await store.completeAll([], 60);
      await store.releaseAll([]);
    });

    it('completes every key: each is then done for the TTL', async () => {
      const store = batch(subject.store);
      await store.claimAll(keys, 60);
      await store.completeAll(keys, 1);
      expect(await store.claimAll(keys, 60)).toBe('done');
      expect(await store.claim(keys[1], 60)).toBe('done');
      expect(await store.isDone!(keys[0])).toBe(true);
      expect(await store.isDone!(keys[1])).toBe(true);
      await subject.advance(2);
      expect(await store.claimAll(keys, 60)).toBe('claimed');
    });

    it('completing keys never claimed marks them done', async () => {
      const store = batch(subject.store);
      await store.completeAll(keys, 3600);
      expect(await store.claim(keys[0], 60)).toBe('done');
      expect(await store.claim(keys[1], 60)).toBe('done');
    });

    it('releases every key for a retry', async () => {
      const store = batch(subject.store);
      await store.claimAll(keys, 60);
      await store.releaseAll(keys);
      expect(await store.claimAll(keys, 60)).toBe('claimed');
    });

    it('releasing never erases a done marker, not even of a key another caller completed meanwhile', async () => {
      const store = batch(subject.store);
      const other = subject.peer?.() ?? store;
      await store.claimAll(keys, 60);
      await other.complete(keys[1], 3600);
      await store.releaseAll(keys);
      expect(await store.claim(keys[0], 60)).toBe('claimed');
      expect(await store.claim(keys[1], 60)).toBe('done');

      await store.completeAll([keys[0]], 3600);
      await store.releaseAll(keys);
      expect(await store.claimAll(keys, 60)).toBe('done');
    });

    it('frees the leases of a holder that died once they expire', async () => {
      const store = batch(subject.store);
      await store.claimAll(keys, 1);
      await subject.advance(2);
      expect(await store.claimAll(keys, 60)).toBe('claimed');
    });
  });

  describe('status ranks (statusOrder)', () => {
    const key = 'status:msg-1';

    it('a first status is fresh and holds the message; the message is busy until it is settled', async () => {
      const store = statuses(subject.store);
      expect(await store.claimStatus(key, 2, 'a', 60)).toBe('fresh');
      expect(await store.claimStatus(key, 3, 'b', 60)).toBe('busy');
      await store.completeStatus(key, 2, 'a', 3600);
      expect(await store.statusRank(key)).toBe(2);
      expect(await store.claimStatus(key, 3, 'b', 60)).toBe('fresh');
    });

    it('a rank not above the one recorded is stale, even while the message is held', async () => {
      const store = statuses(subject.store);
      await store.claimStatus(key, 2, 'a', 60);
      await store.completeStatus(key, 2, 'a', 3600);
      expect(await store.claimStatus(key, 2, 'b', 60)).toBe('stale');
      expect(await store.claimStatus(key, 1, 'b', 60)).toBe('stale');
      expect(await store.claimStatus(key, 3, 'c', 60)).toBe('fresh');
      expect(await store.claimStatus(key, 1, 'd', 60)).toBe('stale');
    });

    it('allowEqual (the retry of an update some handlers completed): the recorded rank is fresh again, a lower one still stale', async () => {
      const store = statuses(subject.store);
      await store.claimStatus(key, 2, 'a', 60);
      await store.completeStatus(key, 2, 'a', 3600);
      expect(await store.claimStatus(key, 1, 'b', 60, true)).toBe('stale');
      expect(await store.claimStatus(key, 2, 'b', 60, false)).toBe('stale');
      expect(await store.claimStatus(key, 2, 'b', 60, true)).toBe('fresh');
      await store.completeStatus(key, 2, 'b', 3600);
      expect(await store.statusRank(key)).toBe(2);
    });

    it('a release records nothing and frees the message: the same rank is fresh again', async () => {
      const store = statuses(subject.store);
      expect(await store.claimStatus(key, 2, 'a', 60)).toBe('fresh');
      await store.releaseStatus(key, 'a');
      expect(await store.statusRank(key)).toBeUndefined();
      expect(await store.claimStatus(key, 2, 'b', 60)).toBe('fresh');
    });

    it('settling with another token leaves the lease of its holder; a lower completion never lowers the rank', async () => {
      const store = statuses(subject.store);
      await store.claimStatus(key, 1, 'a', 60);
      await store.releaseStatus(key, 'someone-else');
      expect(await store.claimStatus(key, 2, 'b', 60)).toBe('busy');
      await store.completeStatus(key, 3, 'a', 3600);
      await store.completeStatus(key, 1, 'late', 3600);
      expect(await store.statusRank(key)).toBe(3);
    });

    it('frees a message whose holder died once its lease expires, and forgets the rank after the TTL', async () => {
      const store = statuses(subject.store);
      await store.claimStatus(key, 1, 'dead', 1);
      await store.claimStatus('status:msg-2', 1, 'a', 60);
      await store.completeStatus('status:msg-2', 1, 'a', 1);
      await subject.advance(2);
      expect(await store.claimStatus(key, 1, 'b', 60)).toBe('fresh');
      expect(await store.statusRank('status:msg-2')).toBeUndefined();
      expect(await store.claimStatus('status:msg-2', 1, 'c', 60)).toBe('fresh');
    });

    it('keeps messages apart, whatever their ids hold', async () => {
      const store = statuses(subject.store);
      const ids = ['__proto__', 'constructor', 'a:b', '{tag}', '*', 'pesan-✓', 'x'.repeat(10_000)];
      for (const id of ids) {
        expect(await store.claimStatus(`status:${id}`, 2, id, 60)).toBe('fresh');
        await store.completeStatus(`status:${id}`, 2, id, 3600);
      }
      for (const id of ids) {
        expect(await store.statusRank(`status:${id}`)).toBe(2);
      }
      expect(await store.statusRank('status:other')).toBeUndefined();
    });
  });

  if (shared) {
    it('two instances claiming one message at once: exactly one holds it', async () => {
      const one = statuses(subject.store);
      const two = statuses(subject.peer!());
      const claims = await Promise.all([one.claimStatus('status:race', 2, 'one', 60), two.claimStatus('status:race', 3, 'two', 60)]);
      expect(claims.filter((claim) => claim === 'fresh')).toHaveLength(1);
      expect(claims.filter((claim) => claim === 'busy')).toHaveLength(1);
    });

    describe('whose lease a release deletes', () => {
      const keys = ['delivery:slow', 'message:message.new:slow'];

      it('a claimer whose lease expired does not release the lease a later claimer took', async () => {
        const first = subject.store;
        const second = subject.peer!();
        expect(await first.claim('delivery:slow', 1)).toBe('claimed');
        await subject.advance(2);
        expect(await second.claim('delivery:slow', 60)).toBe('claimed');
        await first.release('delivery:slow');
        expect(await subject.peer!().claim('delivery:slow', 60)).toBe('processing');
        await second.release('delivery:slow');
        expect(await subject.peer!().claim('delivery:slow', 60)).toBe('claimed');
      });

      it('nor in a batch', async () => {
        const first = batch(subject.store);
        const second = batch(subject.peer!());
        expect(await first.claimAll(keys, 1)).toBe('claimed');
        await subject.advance(2);
        expect(await second.claimAll(keys, 60)).toBe('claimed');
        await first.releaseAll(keys);
        const third = batch(subject.peer!());
        expect(await third.claimAll(keys, 60)).toBe('processing');
        expect(await third.claim(keys[0], 60)).toBe('processing');
        expect(await third.claim(keys[1], 60)).toBe('processing');
        await second.releaseAll(keys);
        expect(await third.claimAll(keys, 60)).toBe('claimed');
      });
    });
  }
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
  }, { shared: false });
});

describeIf(redisMissing)('IdempotencyStore contract: RedisIdempotencyStore', () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  const stores: RedisIdempotencyStore[] = [];

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    await redis.close();
  });

  storeContract(async () => {
    prefix = `${uniquePrefix('contract')}:`;
    const open = () => {
      const store = new RedisIdempotencyStore(redis.url, { keyPrefix: prefix });
      stores.push(store);
      return store;
    };
    return {
      store: open(),
      // Redis expires keys in real time, to the millisecond.
      advance: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 100)),
      peer: open,
    };
  }, { shared: true });
});
