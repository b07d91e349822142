import { InMemoryIdempotencyStore } from '../../lib/index.js';
import { RecordingLogger } from '../support/webhook-app.js';

/** A store on a clock the test moves by hand (milliseconds), logging to `logger`. */
function storeAt(startMs = 1_700_000_000_123, maxEntries?: number) {
  const clock = { ms: startMs };
  const logger = new RecordingLogger();
  const store = new InMemoryIdempotencyStore({ now: () => clock.ms, maxEntries, logger });
  return { store, clock, logger };
}

describe('InMemoryIdempotencyStore', () => {
  it('claims a new key, then answers processing while the claim is held', async () => {
    const { store } = storeAt();

    expect(await store.claim('delivery:1', 60)).toBe('claimed');
    expect(await store.claim('delivery:1', 60)).toBe('processing');
    expect(await store.claim('delivery:2', 60)).toBe('claimed');
  });

  it('answers done once the key is completed', async () => {
    const { store } = storeAt();
    await store.claim('delivery:1', 60);
    await store.complete('delivery:1', 3600);

    expect(await store.claim('delivery:1', 60)).toBe('done');
  });

  it('lets a retry claim a released key (a handler failed)', async () => {
    const { store } = storeAt();
    await store.claim('delivery:1', 60);
    await store.release('delivery:1');

    expect(await store.claim('delivery:1', 60)).toBe('claimed');
  });

  describe('claimAll, completeAll, releaseAll', () => {
    it('takes any number of keys, a key twice included', async () => {
      const { store } = storeAt();
      const keys = Array.from({ length: 5 }, (_, i) => `delivery:${i}`);
      expect(store.claimAllSync(['delivery:twice', 'delivery:twice'], 60)).toBe('claimed');
      expect(await store.claimAll(keys, 60)).toBe('claimed');
      expect(await Promise.all(keys.map((key) => store.claim(key, 60)))).toEqual(keys.map(() => 'processing'));
      await store.completeAll(keys.slice(0, 3), 3600);
      await store.releaseAll([...keys, 'delivery:twice']);
      expect(await Promise.all(keys.map((key) => store.claim(key, 60)))).toEqual(['done', 'done', 'done', 'claimed', 'claimed']);
      expect(store.claimSync('delivery:twice', 60)).toBe('claimed');
      expect(store.size).toBe(6);
    });

    it('leaves a key found taken at a later position alone, and writes nothing for the earlier ones', async () => {
      const { store } = storeAt(undefined, 3);
      await store.claim('c', 60);
      expect(store.claimAllSync(['a', 'b', 'c'], 60)).toBe('processing');
      expect(store.size).toBe(1);
    });

    it('answers with promises settled in advance, so a call allocates none', () => {
      const { store } = storeAt();
      const first = store.claimAll(['delivery:1'], 60);
      expect(store.claimAll(['delivery:2'], 60)).toBe(first);
      expect(store.completeAll(['delivery:1'], 60)).toBe(store.releaseAll(['delivery:2']));
    });

    it('evicts beyond maxEntries as claims one by one do', async () => {
      const { store } = storeAt(undefined, 3);
      await store.claimAll(['a', 'b'], 60);
      await store.completeAll(['a', 'b'], 3600);
      await store.claimAll(['c', 'd'], 60);

      expect(store.size).toBe(3);
      expect(await store.claimAll(['b', 'c', 'd'], 60)).toBe('done');
      expect(store.claimSync('a', 60)).toBe('claimed');
    });
  });

  describe('expiry', () => {
    // Claims start at several points within a second, since the store counts whole seconds.
    const starts = [0, 1, 500, 999, 1000];

    it.each([1, 2, 60])('holds a %i s lease for its full length, wherever in a second it starts', async (lease) => {
      for (const start of starts) {
        const { store, clock } = storeAt();
        clock.ms += start;
        await store.claim('delivery:1', lease);

        clock.ms += lease * 1000 - 1;
        expect({ start, lease, claim: await store.claim('delivery:1', lease) }).toEqual({ start, lease, claim: 'processing' });
      }
    });

    it.each([1, 2, 60])('lets a retry through once a %i s lease has run out (the process died mid-handler)', async (lease) => {
      for (const start of starts) {
        const { store, clock } = storeAt();
        clock.ms += start;
        await store.claim('delivery:1', lease);

        // The store rounds to whole seconds, so the lease ends within a second after it is due.
        clock.ms += (lease + 1) * 1000;
        expect({ start, lease, claim: await store.claim('delivery:1', lease) }).toEqual({ start, lease, claim: 'claimed' });
      }
    });

    it('remembers a completed key for its full TTL, then forgets it', async () => {
      const ttl = 72 * 3600;
      for (const start of starts) {
        const { store, clock } = storeAt();
        clock.ms += start;
        await store.claim('delivery:1', 60);
        await store.complete('delivery:1', ttl);

        clock.ms += ttl * 1000 - 1;
        expect({ start, claim: await store.claim('delivery:1', 60) }).toEqual({ start, claim: 'done' });
        clock.ms += 1000 + 1;
        expect({ start, claim: await store.claim('delivery:1', 60) }).toEqual({ start, claim: 'claimed' });
      }
    });

    it('drops expired keys as new claims arrive, so they do not linger in memory', async () => {
      const { store, clock } = storeAt();
      for (let i = 0; i < 100; i++) {
        await store.claim(`old:${i}`, 1);
      }
      clock.ms += 5000;
      for (let i = 0; i < 100; i++) {
        await store.claim(`new:${i}`, 60);
      }

      expect(store.size).toBe(100);
    });
  });

  describe('bound', () => {
    it('evicts the oldest keys beyond maxEntries', async () => {
      const { store } = storeAt(undefined, 3);
      for (const key of ['a', 'b', 'c', 'd']) {
        await store.claim(key, 60);
        await store.complete(key, 3600);
      }

      expect(store.size).toBe(3);
      // Newest first: a claim of an evicted key writes it and would evict another.
      expect(await store.claim('d', 60)).toBe('done');
      expect(await store.claim('c', 60)).toBe('done');
      expect(await store.claim('b', 60)).toBe('done');
      expect(await store.claim('a', 60)).toBe('claimed');
    });

    it('counts age from the last write, so a long-running delivery completed late is kept', async () => {
      const { store } = storeAt(undefined, 3);
      await store.claim('slow', 60);
      await store.claim('b', 60);
      await store.claim('c', 60);
      await store.complete('slow', 3600);
      await store.claim('d', 60);

      expect(await store.claim('slow', 60)).toBe('done');
      expect(await store.claim('b', 60)).toBe('claimed');
    });

    it('warns when it evicts a key before its TTL, with the window it actually kept, at most once an hour', async () => {
      const { store, clock, logger } = storeAt(undefined, 3);
      const handle = async (key: string) => {
        await store.claim(key, 60);
        await store.complete(key, 72 * 3600);
        clock.ms += 10_000;
      };
      for (const key of ['a', 'b', 'c']) {
        await handle(key);
      }
      expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);

      await handle('d');
      const warnings = () => logger.lines.filter((line) => line.level === 'warn').map((line) => line.message);
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatch(/full \(3 keys\): it evicted a key kept for about 30 s, less than its 259200 s TTL/);
      expect(warnings()[0]).toMatch(/RedisIdempotencyStore/);

      for (const key of ['e', 'f', 'g']) {
        await handle(key);
      }
      expect(warnings()).toHaveLength(1);
      clock.ms += 3600 * 1000;
      await handle('h');
      expect(warnings()).toHaveLength(2);
      expect(warnings()[1]).toMatch(/and 3 more keys since the last warning/);
    });

    it('says nothing when the keys it drops have expired', async () => {
      const { store, clock, logger } = storeAt(undefined, 3);
      for (let i = 0; i < 20; i++) {
        await store.claim(`key:${i}`, 60);
        await store.complete(`key:${i}`, 5);
        clock.ms += 10_000;
      }
      expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
    });

    it.each([0, -1, 1.5, Number.NaN])('refuses maxEntries %p', (maxEntries) => {
      expect(() => new InMemoryIdempotencyStore({ maxEntries })).toThrow(RangeError);
    });
  });
});
