import type { RedisIdempotencyStore } from '../idempotency/redis-idempotency.store.js';
import type { RedisClient } from '../redis/wazapin-redis-connection.js';
import type { DeadLetterStore, StoredDeadLetter } from './dead-letter-store.interface.js';

/** Adds a letter and drops the oldest beyond the bound, a thousand at a time (Lua's unpack has a limit). */
const ADD_SCRIPT = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local dropped = 0
while over > dropped do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, math.min(over - dropped, 1000) - 1)
  redis.call('ZREM', KEYS[1], unpack(oldest))
  redis.call('HDEL', KEYS[2], unpack(oldest))
  dropped = dropped + #oldest
end
return dropped`;

const PAGE_SCRIPT = `
local ids = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(ids))`;

const REPLACE_SCRIPT = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

const REMOVE_SCRIPT = `
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])`;

/**
 * A registration's dead letters in Redis, on the connection of its `RedisIdempotencyStore` and
 * under its key prefix:
 * kept across restarts and seen by every instance. Two keys, a sorted set of the ids (in id
 * order, all at score 0) and a hash of each id's JSON, under one hash tag, so each operation is
 * one script on one Cluster slot.
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  private readonly keys: [ids: string, letters: string];
  private readonly client: RedisClient;

  /** `account`: the registration (an identifier, safe in a hash tag). */
  constructor(
    private readonly store: RedisIdempotencyStore,
    account: string,
    private readonly maxEntries: number,
  ) {
    this.client = store.client as RedisClient;
    const base = `${store.keyPrefix}dead-letters:{${account}}:`;
    this.keys = [`${base}ids`, `${base}letters`];
  }

  async add(id: string, json: string): Promise<number> {
    await this.store.connected();
    return Number(await this.client.eval(ADD_SCRIPT, 2, ...this.keys, id, json, this.maxEntries));
  }

  async get(id: string): Promise<StoredDeadLetter | undefined> {
    await this.store.connected();
    return parse(await this.client.hget(this.keys[1], id));
  }

  async page(limit: number, after?: string): Promise<StoredDeadLetter[]> {
    await this.store.connected();
    const found = (await this.client.eval(PAGE_SCRIPT, 2, ...this.keys, after === undefined ? '-' : `(${after}`, limit)) as (string | null)[];
    return found.map(parse).filter((letter) => letter !== undefined);
  }

  async replace(id: string, json: string): Promise<boolean> {
    await this.store.connected();
    return Number(await this.client.eval(REPLACE_SCRIPT, 2, ...this.keys, id, json)) === 1;
  }

  async remove(id: string): Promise<boolean> {
    await this.store.connected();
    return Number(await this.client.eval(REMOVE_SCRIPT, 2, ...this.keys, id)) === 1;
  }

  async count(): Promise<number> {
    await this.store.connected();
    return this.client.zcard(this.keys[0]);
  }
}

function parse(json: string | null | undefined): StoredDeadLetter | undefined {
  return json === null || json === undefined ? undefined : (JSON.parse(json) as StoredDeadLetter);
}
