import { Redis } from 'ioredis';
import { RedisIdempotencyStore } from '../../lib/index.js';
import { newDeadLetterId } from '../../lib/dead-letters/dead-letter-id.js';
import type { DeadLetterStore, StoredDeadLetter } from '../../lib/dead-letters/dead-letter-store.interface.js';
import { InMemoryDeadLetterStore } from '../../lib/dead-letters/in-memory-dead-letter.store.js';
import { RedisDeadLetterStore } from '../../lib/dead-letters/redis-dead-letter.store.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';

function letter(deliveryId: string, error = 'Handlers.onMessage: boom'): StoredDeadLetter {
  return {
    id: newDeadLetterId(),
    event: {
      id: deliveryId,
      type: 'message.new',
      typeSource: 'path',
      timestamp: '2026-12-02T10:00:00.000Z',
      receivedAt: '2026-12-02T10:00:01.000Z',
      payload: { message_id: `m_${deliveryId}` },
      headers: {},
    },
    handlers: ['Handlers.onMessage'],
    error,
    attempts: 3,
    failedAt: '2026-12-02T10:00:05.000Z',
  };
}

async function add(store: DeadLetterStore, ...letters: StoredDeadLetter[]): Promise<number> {
  let dropped = 0;
  for (const each of letters) {
    dropped += await store.add(each.id, JSON.stringify(each));
  }
  return dropped;
}

/** What both dead-letter stores do, so a registration's dead letters behave the same in memory and in Redis. */
function deadLetterStoreContract(make: (maxEntries: number) => Promise<DeadLetterStore>): void {
  it('keeps letters in the order they came, by pages after a cursor', async () => {
    const store = await make(100);
    const letters = ['a', 'b', 'c', 'd', 'e'].map((id) => letter(id));
    expect(await add(store, ...letters)).toBe(0);
    expect(await store.count()).toBe(5);
    const first = await store.page(2);
    expect(first.map((each) => each.event.id)).toEqual(['a', 'b']);
    const second = await store.page(2, first[1].id);
    expect(second.map((each) => each.event.id)).toEqual(['c', 'd']);
    expect((await store.page(2, second[1].id)).map((each) => each.event.id)).toEqual(['e']);
    expect(await store.page(2, letters[4].id)).toEqual([]);
    expect(await store.get(letters[2].id)).toEqual(letters[2]);
  });

  it('drops the oldest beyond the bound, and says how many', async () => {
    const store = await make(3);
    expect(await add(store, ...['a', 'b', 'c', 'd', 'e'].map((id) => letter(id)))).toBe(2);
    expect((await store.page(10)).map((each) => each.event.id)).toEqual(['c', 'd', 'e']);
    expect(await store.count()).toBe(3);
  });

  it('replaces and removes only a letter it keeps', async () => {
    const store = await make(100);
    const kept = letter('a');
    await add(store, kept);
    const failedAgain = { ...kept, error: 'Handlers.onMessage: again', attempts: 4 };
    expect(await store.replace(kept.id, JSON.stringify(failedAgain))).toBe(true);
    expect(await store.get(kept.id)).toEqual(failedAgain);
    expect(await store.remove(kept.id)).toBe(true);
    expect(await store.remove(kept.id)).toBe(false);
    expect(await store.replace(kept.id, JSON.stringify(failedAgain))).toBe(false);
    expect(await store.get(kept.id)).toBeUndefined();
    expect(await store.count()).toBe(0);
  });

  it('takes any cursor and id without harm: lex-range syntax, empty, long', async () => {
    const store = await make(100);
    await add(store, letter('a'), letter('b'));
    for (const hostile of ['-', '+', '[x', '(x', '', 'z'.repeat(10_000), '\u0000', '*']) {
      expect(Array.isArray(await store.page(10, hostile))).toBe(true);
      expect(await store.get(hostile)).toBeUndefined();
      expect(await store.remove(hostile)).toBe(false);
    }
    expect(await store.count()).toBe(2);
  });

  it('gives back a copy: changing a letter it returned changes nothing kept', async () => {
    const store = await make(100);
    const kept = letter('a');
    await add(store, kept);
    const got = (await store.get(kept.id)) as unknown as { handlers: string[] };
    got.handlers.push('Other.handler');
    expect((await store.get(kept.id))?.handlers).toEqual(['Handlers.onMessage']);
  });
}

describe('dead-letter store: in memory', () => {
  deadLetterStoreContract(async (maxEntries) => new InMemoryDeadLetterStore(maxEntries));
});

describeIf(redisMissing)('dead-letter store: Redis', () => {
  let redis: { url: string; close(): Promise<void> };
  let client: Redis;
  let prefix: string;

  beforeAll(async () => {
    redis = await useRedis();
    client = new Redis(redis.url);
  });
  afterEach(async () => {
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const stores: RedisIdempotencyStore[] = [];
  const open = () => {
    const store = new RedisIdempotencyStore(redis.url, { keyPrefix: prefix });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  deadLetterStoreContract(async (maxEntries) => {
    prefix = `${uniquePrefix('dead-letters')}:`;
    return new RedisDeadLetterStore(open(), 'default', maxEntries);
  });

  it('keeps each registration apart, under the store prefix, its two keys in one hash tag', async () => {
    prefix = `${uniquePrefix('dead-letters')}:`;
    const acme = new RedisDeadLetterStore(open(), 'acme', 10);
    const other = new RedisDeadLetterStore(open(), 'other', 10);
    await add(acme, letter('a'));
    expect(await other.count()).toBe(0);
    expect((await client.keys(`${prefix}*`)).sort()).toEqual([`${prefix}dead-letters:{acme}:ids`, `${prefix}dead-letters:{acme}:letters`]);
  });
});
