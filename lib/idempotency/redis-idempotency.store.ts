import { randomBytes } from 'node:crypto';
import type { OnApplicationShutdown } from '@nestjs/common';
import { closeRedisClient, createFailFastRedisClient, type FailFastRedis, type RedisClient } from '../redis/wazapin-redis-connection.js';
import type { WazapinRedisClient, WazapinRedisConnection } from '../redis/wazapin-redis-connection.interface.js';
import type { IdempotencyClaim, IdempotencyStore, StatusClaim } from './idempotency-store.interface.js';

/**
 * Options of {@link RedisIdempotencyStore}.
 *
 * @publicApi
 */
export interface RedisIdempotencyStoreOptions {
  /**
   * Prefix of every key the store writes. Default `wazapin:idempotency:`. Give each app, or each
   * Wazapin account, its own prefix when they share one Redis. On a Redis Cluster, one with a hash
   * tag (`{wazapin}:idempotency:`) keeps a delivery's keys in one slot, claimed in one command.
   */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in milliseconds. When Redis hangs, the claim fails
   * after this and the delivery is answered 503 well within the sender's 15 s timeout. Default 2000.
   */
  commandTimeoutMs?: number;
}

const PROCESSING = 'processing';
const DONE = 'done';
const DEFAULT_KEY_PREFIX = 'wazapin:idempotency:';
const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

/**
 * Claims KEYS with a lease of ARGV[1] seconds whose value is ARGV[2], all or none. The first
 * key found taken decides the answer: `done` for a done marker, `processing` for any other value
 * (a lease of this version, `processing:<token>`, or of an earlier one, `processing`), and then
 * nothing is written.
 */
const CLAIM_SCRIPT = `
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value == 'done' then return 'done' end
  if value then return 'processing' end
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2], 'EX', ARGV[1])
end
return 'claimed'`;
/** Marks KEYS done for ARGV[1] seconds. */
const COMPLETE_SCRIPT = `
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], 'done', 'EX', ARGV[1])
end
return #KEYS`;
/**
 * The claims of several deliveries at once: ARGV[1] is how many, then per claim its number of
 * keys, lease seconds and lease value; KEYS are their keys one claim after another. Each claim
 * is all or none as above, in order, so two claims of one key in a batch get one lease.
 */
const CLAIM_BATCH_SCRIPT = `
local results = {}
local first = 1
local at = 2
for claim = 1, tonumber(ARGV[1]) do
  local count, seconds, value = tonumber(ARGV[at]), ARGV[at + 1], ARGV[at + 2]
  at = at + 3
  local result = 'claimed'
  for i = first, first + count - 1 do
    local held = redis.call('GET', KEYS[i])
    if held == 'done' then result = 'done'; break end
    if held then result = 'processing'; break end
  end
  if result == 'claimed' then
    for i = first, first + count - 1 do
      redis.call('SET', KEYS[i], value, 'EX', seconds)
    end
  end
  results[claim] = result
  first = first + count
end
return results`;
/** Done markers for several deliveries at once: ARGV[i] is the TTL of KEYS[i]. */
const COMPLETE_BATCH_SCRIPT = `
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], 'done', 'EX', ARGV[i])
end
return #KEYS`;
/**
 * Deletes the lease of each of KEYS whose value is still ARGV[i], the one this claimer wrote:
 * never a done marker, nor the lease of a later claimer after this one's expired.
 */
const RELEASE_SCRIPT = `
local released = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i] then
    released = released + redis.call('DEL', KEYS[i])
  end
end
return released`;

/**
 * Status ranks (`statusOrder`) live in one hash per message, so each script has one key, on any
 * Cluster: `rank`, the highest handled, and while an update is handled its lease, `token` and
 * `until` (epoch ms, by Redis's clock, so instances' clocks do not matter).
 *
 * Claims the status of rank ARGV[1] for token ARGV[2] with a lease of ARGV[3] ms: `stale` when
 * the recorded rank is not below it (ARGV[4] '1': is above it), `busy` while another lease lasts.
 * The hash lives at least as long as the lease.
 */
/** Sets the time unless a later one is set; either way, the key lives for the TTL. */
const RECORD_TIME_SCRIPT = `
local recorded = tonumber(redis.call('GET', KEYS[1]))
if recorded and recorded >= tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

const CLAIM_STATUS_SCRIPT = `
local recorded = redis.call('HGET', KEYS[1], 'rank')
if recorded then
  local rank, held = tonumber(ARGV[1]), tonumber(recorded)
  if rank < held or (rank == held and ARGV[4] ~= '1') then return 'stale' end
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local holder = redis.call('HMGET', KEYS[1], 'token', 'until')
if holder[1] and tonumber(holder[2]) > now then return 'busy' end
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'until', now + tonumber(ARGV[3]))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 'fresh'`;
/** Records rank ARGV[1] if above the recorded one, drops the lease if token ARGV[2] holds it, keeps the hash ARGV[3] s. */
const COMPLETE_STATUS_SCRIPT = `
local recorded = redis.call('HGET', KEYS[1], 'rank')
if not recorded or tonumber(ARGV[1]) > tonumber(recorded) then redis.call('HSET', KEYS[1], 'rank', ARGV[1]) end
if redis.call('HGET', KEYS[1], 'token') == ARGV[2] then redis.call('HDEL', KEYS[1], 'token', 'until') end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;
/** Drops the lease if token ARGV[1] holds it, and the hash with it when no rank is recorded. */
const RELEASE_STATUS_SCRIPT = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[1], 'rank') == 1 then
  redis.call('HDEL', KEYS[1], 'token', 'until')
else
  redis.call('DEL', KEYS[1])
end
return 1`;

/** A lease this store wrote: its value, and when Redis has expired it for sure (epoch ms). */
interface HeldLease {
  readonly value: string;
  readonly expires: number;
}

/** Leases held at which the store first drops those Redis has expired. */
const LEASES_PRUNED_FROM = 1024;
/**
 * How long completions wait for others to go to Redis with: nothing but a retry's 409 waits on a
 * done marker, and under load each command to Redis costs the app far more than its bytes.
 */
const COMPLETION_BATCH_MS = 2;

/** The scripts, as ioredis's `defineCommand` adds them to the store's connection. */
interface StoreScripts {
  wazapinIdempotencyClaim(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<IdempotencyClaim>;
  wazapinIdempotencyClaimBatch(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<IdempotencyClaim[]>;
  wazapinIdempotencyComplete(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  wazapinIdempotencyCompleteBatch(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  wazapinIdempotencyRelease(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number>;
  wazapinStatusClaim(numberOfKeys: 1, key: string, rank: number, token: string, leaseMs: number, allowEqual: '0' | '1'): Promise<StatusClaim>;
  wazapinStatusComplete(numberOfKeys: 1, key: string, rank: number, token: string, ttlSeconds: number): Promise<number>;
  wazapinStatusRelease(numberOfKeys: 1, key: string, token: string): Promise<number>;
  wazapinRecordTime(numberOfKeys: 1, key: string, time: number, ttlSeconds: number): Promise<number>;
}

/** A claim waiting for the batch it goes to Redis in. */
interface PendingClaim {
  readonly keys: readonly string[];
  readonly seconds: number;
  readonly value: string;
  resolve(claim: IdempotencyClaim): void;
  reject(error: unknown): void;
}

/** A completion waiting for the batch it goes to Redis in. */
interface PendingCompletion {
  readonly keys: readonly string[];
  readonly ttl: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Whether every key that starts with `prefix` hashes to one Cluster slot: Redis hashes only the
 * part between the key's first `{` and the next `}`, when that part is not empty.
 */
function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  return open >= 0 && prefix.indexOf('}', open + 1) > open + 1;
}

/**
 * Deduplication shared by every instance of the app, in Redis, one command per operation. Claims
 * and releases are Lua scripts, which Redis runs atomically: a claim checks its keys and, unless
 * one is taken, gives each a lease `processing:<token>` expiring after `leaseSeconds` (a
 * delivery's keys all, or none); a release deletes only the leases this store wrote. Completing
 * writes done markers for the configured TTL. A lease whose holder died expires by itself, so a
 * retry gets through.
 *
 * **Batches.** Under load, a command to Redis costs the app far more than its bytes (a write to
 * the socket, a read of the answer). So the claims made while the event loop is busy go in one
 * command once it comes round (`setImmediate`), each answered as if alone, and completions are
 * gathered for 2 ms and sent together: at thousands of deliveries a second, a command serves
 * several. A completion is awaited 2 ms longer for it (an `inline` delivery's answer, a queued
 * delivery's acknowledgement).
 *
 * The store opens its own connection (from the client, `Cluster`, options or URL given) that
 * fails fast when Redis is down: no offline queue, one retry per command and a command timeout,
 * so a delivery gets its 503 at once instead of waiting for Redis. The connection is closed on
 * app shutdown, or by {@link close}.
 *
 * **Whose lease a release deletes.** Each claim writes a token of its own, which the store keeps
 * in memory, per key, until the key is completed or released (or, some time after, once the lease
 * has expired): a claimer whose lease expired while its handler ran, and which then fails, leaves
 * alone the lease a retry took meanwhile, and a third copy still finds the key processing. So
 * release a key through the store object that claimed it; a release of a key it holds no lease of
 * sends nothing. Per key is all it knows: when one store object claims a key again after its own
 * lease ran out, both claims answer to the latest token. Leases written as plain `processing` by
 * earlier versions count as taken and expire by themselves; earlier versions take a lease of this
 * one for taken as well, so both may serve side by side during a deploy.
 *
 * **Redis Cluster.** A script's keys must share a slot. With a hash tag in
 * {@link RedisIdempotencyStoreOptions.keyPrefix} (`{wazapin}:idempotency:`), every key of the
 * store does, so claiming or completing a delivery's keys is one command, on one shard. Without
 * one (as the default prefix), on a Cluster {@link claimAll}, {@link completeAll} and
 * {@link releaseAll} send one command per key, all at once, and the keys spread over the shards;
 * {@link claimAll} is then not atomic: it claims each key, and when one is taken releases those
 * it got and answers for the first taken, as claiming one by one does.
 *
 * @example
 * WazapinWebhooksModule.forRoot({
 *   secrets: process.env.WAZAPIN_WEBHOOK_SECRET!,
 *   idempotency: { store: new RedisIdempotencyStore(process.env.REDIS_URL!) },
 * })
 *
 * @publicApi
 */
export class RedisIdempotencyStore implements IdempotencyStore, OnApplicationShutdown {
  private readonly redis: FailFastRedis;
  /** The connection, typed from ioredis. */
  private readonly connection: RedisClient;
  /** The connection's scripts. */
  private readonly scripts: StoreScripts;
  /** What every key of the store begins with, after the connection's own `keyPrefix`. */
  readonly keyPrefix: string;
  /** Whether a script may take several keys: not on a Cluster where they would spread over slots. */
  private readonly oneSlot: boolean;
  /** How the lease values of this store begin: `processing:` and a random id of the store. */
  private readonly leasePrefix = `${PROCESSING}:${randomBytes(9).toString('base64url')}:`;
  private claims = 0;
  /** The lease this store wrote, per key it holds: what a release of the key may delete. */
  private readonly leases = new Map<string, HeldLease>();
  /** Size of {@link leases} at which expired leases are next dropped. */
  private pruneAt = LEASES_PRUNED_FROM;
  /** Claims and completions made since the event loop last came round, sent together then. */
  private pendingClaims: PendingClaim[] = [];
  private pendingCompletions: PendingCompletion[] = [];
  private completionTimer?: NodeJS.Timeout;
  /** Releases and completions on their way, which closing waits for. */
  private readonly settling = new Set<Promise<unknown>>();

  constructor(connection: WazapinRedisConnection, options: RedisIdempotencyStoreOptions = {}) {
    const commandTimeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (!Number.isFinite(commandTimeout) || commandTimeout <= 0) {
      throw new RangeError(`RedisIdempotencyStore: commandTimeoutMs must be a positive number, got ${String(options.commandTimeoutMs)}`);
    }
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.redis = createFailFastRedisClient(connection, commandTimeout, 'RedisIdempotencyStore');
    this.connection = this.redis.client;
    // ioredis sends EVALSHA, or EVAL the first time on each socket: one command either way.
    this.connection.defineCommand('wazapinIdempotencyClaim', { lua: CLAIM_SCRIPT });
    this.connection.defineCommand('wazapinIdempotencyClaimBatch', { lua: CLAIM_BATCH_SCRIPT });
    this.connection.defineCommand('wazapinIdempotencyComplete', { lua: COMPLETE_SCRIPT });
    this.connection.defineCommand('wazapinIdempotencyCompleteBatch', { lua: COMPLETE_BATCH_SCRIPT });
    this.connection.defineCommand('wazapinIdempotencyRelease', { lua: RELEASE_SCRIPT });
    this.connection.defineCommand('wazapinStatusClaim', { lua: CLAIM_STATUS_SCRIPT });
    this.connection.defineCommand('wazapinStatusComplete', { lua: COMPLETE_STATUS_SCRIPT });
    this.connection.defineCommand('wazapinStatusRelease', { lua: RELEASE_STATUS_SCRIPT });
    this.connection.defineCommand('wazapinRecordTime', { lua: RECORD_TIME_SCRIPT });
    this.scripts = this.connection as unknown as StoreScripts;
    // A client's own keyPrefix, which ioredis prepends, comes before the store's.
    this.oneSlot = !this.connection.isCluster || hasHashTag((this.connection.options.keyPrefix ?? '') + this.keyPrefix);
  }

  /**
   * The store's own connection: an ioredis `Redis`, or a `Cluster` when the store was given one
   * (typed loosely, so that apps without ioredis type-check; cast it to use its commands).
   */
  get client(): WazapinRedisClient {
    return this.connection;
  }

  /**
   * Resolves once the store's connection has been ready, or after `commandTimeoutMs` if it never
   * was: what each of its operations waits for first, for others sharing its connection.
   */
  connected(): Promise<void> {
    return this.redis.connected();
  }

  /** One `PING`, once the connection has been ready (see {@link connected}). */
  async ping(): Promise<void> {
    await this.redis.connected();
    await this.connection.ping();
  }

  claim(key: string, leaseSeconds: number): Promise<IdempotencyClaim> {
    return this.claimKeys([key], leaseSeconds);
  }

  /** One command; on a Cluster without a hash tag in the prefix, one per key (see the class). */
  async claimAll(keys: readonly string[], leaseSeconds: number): Promise<IdempotencyClaim> {
    if (keys.length === 0) {
      return 'claimed';
    }
    if (this.oneSlot || keys.length === 1) {
      return this.claimKeys(keys, leaseSeconds);
    }
    const claims = await Promise.allSettled(keys.map((key) => this.claimKeys([key], leaseSeconds)));
    const taken = claims.find((claim) => claim.status === 'rejected' || claim.value !== 'claimed');
    if (taken === undefined) {
      return 'claimed';
    }
    const got = keys.filter((_, i) => {
      const claim = claims[i];
      return claim.status === 'fulfilled' && claim.value === 'claimed';
    });
    // A lease left behind when this fails expires by itself; the answer stands.
    await this.releaseAll(got).catch(() => undefined);
    if (taken.status === 'rejected') {
      throw taken.reason;
    }
    return taken.value;
  }

  /** As {@link completeAll} of one key: batched with the others. */
  complete(key: string, ttlSeconds: number): Promise<void> {
    return this.completeAll([key], ttlSeconds);
  }

  /** One command; on a Cluster without a hash tag in the prefix, one per key (see the class). */
  async completeAll(keys: readonly string[], ttlSeconds: number): Promise<void> {
    if (keys.length === 0) {
      return;
    }
    for (const key of keys) {
      this.leases.delete(key);
    }
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    if (this.oneSlot) {
      await new Promise<void>((resolve, reject) => {
        if (this.pendingCompletions.push({ keys, ttl, resolve, reject }) === 1) {
          this.completionTimer = setTimeout(() => void this.sendCompletions(), COMPLETION_BATCH_MS);
        }
      });
      return;
    }
    await this.settle(async () => {
      await this.redis.connected();
      await Promise.all(keys.map((key) => this.connection.set(this.keyPrefix + key, DONE, 'EX', ttl)));
    });
  }

  async isDone(key: string): Promise<boolean> {
    await this.redis.connected();
    return (await this.connection.get(this.keyPrefix + key)) === DONE;
  }

  /** Deletes the lease this store wrote for `key`, if it is still there: never another's, nor a done marker. */
  async release(key: string): Promise<void> {
    await this.releaseAll([key]);
  }

  /**
   * Deletes the leases this store wrote for `keys` that are still there, in one command (on a
   * Cluster without a hash tag in the prefix, one per key). Keys it holds no lease of are left out.
   */
  async releaseAll(keys: readonly string[]): Promise<void> {
    const redisKeys: string[] = [];
    const leases: string[] = [];
    for (const key of keys) {
      const held = this.leases.get(key);
      if (held !== undefined) {
        this.leases.delete(key);
        redisKeys.push(this.keyPrefix + key);
        leases.push(held.value);
      }
    }
    if (redisKeys.length > 0) {
      await this.deleteLeases(redisKeys, leases);
    }
  }

  /** Deletes each of `redisKeys` whose value is still its lease, in one command (per key on a Cluster without a hash tag). */
  private deleteLeases(redisKeys: readonly string[], leases: readonly string[]): Promise<void> {
    return this.settle(async () => {
      await this.redis.connected();
      if (this.oneSlot || redisKeys.length === 1) {
        await this.scripts.wazapinIdempotencyRelease(redisKeys.length, ...redisKeys, ...leases);
        return;
      }
      await Promise.all(redisKeys.map((key, i) => this.scripts.wazapinIdempotencyRelease(1, key, leases[i])));
    });
  }

  /** One script: the check and the lease are atomic, so two instances never both take a message's status. */
  async claimStatus(key: string, rank: number, token: string, leaseSeconds: number, allowEqual = false): Promise<StatusClaim> {
    await this.redis.connected();
    return this.scripts.wazapinStatusClaim(1, this.keyPrefix + key, rank, token, Math.max(1, Math.ceil(leaseSeconds * 1000)), allowEqual ? '1' : '0');
  }

  completeStatus(key: string, rank: number, token: string, ttlSeconds: number): Promise<void> {
    return this.settle(async () => {
      await this.redis.connected();
      await this.scripts.wazapinStatusComplete(1, this.keyPrefix + key, rank, token, Math.max(1, Math.ceil(ttlSeconds)));
    });
  }

  releaseStatus(key: string, token: string): Promise<void> {
    return this.settle(async () => {
      await this.redis.connected();
      await this.scripts.wazapinStatusRelease(1, this.keyPrefix + key, token);
    });
  }

  async statusRank(key: string): Promise<number | undefined> {
    await this.redis.connected();
    const rank = await this.connection.hget(this.keyPrefix + key, 'rank');
    return rank === null ? undefined : Number(rank);
  }

  async recordTime(key: string, time: number, ttlSeconds: number): Promise<void> {
    await this.redis.connected();
    await this.scripts.wazapinRecordTime(1, this.keyPrefix + key, Math.floor(time), Math.max(1, Math.ceil(ttlSeconds)));
  }

  async recordedTime(key: string): Promise<number | undefined> {
    await this.redis.connected();
    const time = Number(await this.connection.get(this.keyPrefix + key));
    return Number.isFinite(time) && time > 0 ? time : undefined;
  }

  /**
   * Closes the store's connection, once the completions waiting for their batch are sent and the
   * releases and completions on their way are done.
   */
  async close(): Promise<void> {
    if (this.pendingCompletions.length > 0) {
      clearTimeout(this.completionTimer);
      void this.sendCompletions();
    }
    await Promise.allSettled([...this.settling]);
    await closeRedisClient(this.connection);
  }

  /** Runs a release or completion, kept among those {@link close} waits for until it is done. */
  private settle(work: () => Promise<void>): Promise<void> {
    const running = work();
    this.settling.add(running);
    void running.catch(() => undefined).finally(() => this.settling.delete(running));
    return running;
  }

  /** Nest calls this when the app shuts down, after every handler has settled its claims. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * Claims `keys`, which share a slot, and keeps the lease value to release them. Claims made
   * while the event loop is busy go to Redis together, in one command, once it comes round
   * (`setImmediate`): under load, a command serves several deliveries. Not on a Cluster without
   * a hash tag in the prefix, where the keys of two claims may live in two slots.
   */
  private async claimKeys(keys: readonly string[], leaseSeconds: number): Promise<IdempotencyClaim> {
    const value = this.leasePrefix + (++this.claims).toString(36);
    const seconds = Math.max(1, Math.ceil(leaseSeconds));
    // Keys of a Cluster without a hash tag are claimed one by one: together they would span slots.
    const claim = this.oneSlot
      ? await new Promise<IdempotencyClaim>((resolve, reject) => {
          if (this.pendingClaims.push({ keys, seconds, value, resolve, reject }) === 1) {
            setImmediate(() => void this.sendClaims());
          }
        })
      : await this.redis
          .connected()
          .then(() => this.scripts.wazapinIdempotencyClaim(keys.length, ...keys.map((key) => this.keyPrefix + key), seconds, value))
          .catch((error: unknown) => {
            this.withdraw([{ keys, value }]);
            throw error;
          });
    if (claim === 'claimed') {
      // Redis ran the script before it answered, so its lease ends before this.
      const held: HeldLease = { value, expires: Date.now() + seconds * 1000 };
      for (const key of keys) {
        this.leases.set(key, held);
      }
      if (this.leases.size >= this.pruneAt) {
        this.pruneLeases();
      }
    }
    return claim;
  }

  /** Sends the pending claims: alone as one claim, together as a batch; one command either way. */
  private async sendClaims(): Promise<void> {
    const batch = this.pendingClaims;
    this.pendingClaims = [];
    try {
      await this.redis.connected();
      if (batch.length === 1) {
        const [{ keys, seconds, value, resolve }] = batch;
        resolve(await this.scripts.wazapinIdempotencyClaim(keys.length, ...keys.map((key) => this.keyPrefix + key), seconds, value));
        return;
      }
      const redisKeys: string[] = [];
      const args: (string | number)[] = [batch.length];
      for (const { keys, seconds, value } of batch) {
        keys.forEach((key) => redisKeys.push(this.keyPrefix + key));
        args.push(keys.length, seconds, value);
      }
      const claims = await this.scripts.wazapinIdempotencyClaimBatch(redisKeys.length, ...redisKeys, ...args);
      batch.forEach((pending, i) => pending.resolve(claims[i]));
    } catch (error) {
      this.withdraw(batch);
      batch.forEach((pending) => pending.reject(error));
    }
  }

  /**
   * Deletes the leases of claims that failed on this side, for when Redis runs them anyway: a
   * command that timed out while Redis stalled is still applied once it recovers, and its lease,
   * which no delivery holds, would answer every retry 409 until it expired. Sent after the claims
   * on the same connection, so Redis runs it after them; best effort, since the retry gets a 503
   * either way.
   */
  private withdraw(claims: readonly { readonly keys: readonly string[]; readonly value: string }[]): void {
    const redisKeys: string[] = [];
    const values: string[] = [];
    for (const { keys, value } of claims) {
      for (const key of keys) {
        redisKeys.push(this.keyPrefix + key);
        values.push(value);
      }
    }
    void this.deleteLeases(redisKeys, values).catch(() => undefined);
  }

  /** Sends the completions of the last {@link COMPLETION_BATCH_MS} in one command. */
  private sendCompletions(): Promise<void> {
    return this.settle(() => this.sendCompletionBatch());
  }

  private async sendCompletionBatch(): Promise<void> {
    const batch = this.pendingCompletions;
    this.pendingCompletions = [];
    try {
      await this.redis.connected();
      if (batch.length === 1) {
        const [{ keys, ttl }] = batch;
        await this.scripts.wazapinIdempotencyComplete(keys.length, ...keys.map((key) => this.keyPrefix + key), ttl);
      } else {
        const redisKeys: string[] = [];
        const ttls: number[] = [];
        for (const { keys, ttl } of batch) {
          keys.forEach((key) => redisKeys.push(this.keyPrefix + key));
          keys.forEach(() => ttls.push(ttl));
        }
        await this.scripts.wazapinIdempotencyCompleteBatch(redisKeys.length, ...redisKeys, ...ttls);
      }
      batch.forEach((pending) => pending.resolve());
    } catch (error) {
      batch.forEach((pending) => pending.reject(error));
    }
  }

  /**
   * Forgets the leases Redis has expired, which no release could delete any more: the store then
   * holds those of the last lease period at most, even for claims that were never settled.
   * Amortized: the next pruning waits until the leases held have doubled.
   */
  private pruneLeases(): void {
    const now = Date.now();
    for (const [key, held] of this.leases) {
      if (held.expires <= now) {
        this.leases.delete(key);
      }
    }
    this.pruneAt = Math.max(LEASES_PRUNED_FROM, 2 * this.leases.size);
  }
}
