import type { OnApplicationShutdown } from '@nestjs/common';
import { closeRedisClient, createFailFastRedisClient, type FailFastRedis, type RedisClient } from '../redis/wazapin-redis-connection.js';
import type { WazapinRedisClient, WazapinRedisConnection } from '../redis/wazapin-redis-connection.interface.js';
import type { IdempotencyClaim, IdempotencyStore } from './idempotency-store.interface.js';

/** Options of {@link RedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions {
  /**
   * Prefix of every key the store writes. Default `wazapin:idempotency:`. Give each app, or each
   * Wazapin account, its own prefix when they share one Redis.
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
/** A key that expires between the failed SET NX and the GET is claimed again, a bounded number of times. */
const CLAIM_TRIES = 3;
/** Deletes a processing lease, never a done marker a later attempt may have written meanwhile. */
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Deduplication shared by every instance of the app, in Redis: a claim is `SET key processing
 * NX EX lease`, completing writes a done marker with the configured TTL, and a lease whose
 * holder died expires by itself so a retry gets through.
 *
 * The store opens its own connection (from the client, `Cluster`, options or URL given) that
 * fails fast when Redis is down: no offline queue, one retry per command and a command timeout,
 * so a delivery gets its 503 at once instead of waiting for Redis. The connection is closed on
 * app shutdown, or by {@link close}. Every command touches one key, so a Redis Cluster needs no
 * hash tag in {@link RedisIdempotencyStoreOptions.keyPrefix}.
 *
 * @example
 * WazapinWebhooksModule.forRoot({
 *   secrets: process.env.WAZAPIN_WEBHOOK_SECRET!,
 *   idempotency: { store: new RedisIdempotencyStore(process.env.REDIS_URL!) },
 * })
 */
export class RedisIdempotencyStore implements IdempotencyStore, OnApplicationShutdown {
  private readonly redis: FailFastRedis;
  /** The connection, typed from ioredis. */
  private readonly connection: RedisClient;
  private readonly keyPrefix: string;

  constructor(connection: WazapinRedisConnection, options: RedisIdempotencyStoreOptions = {}) {
    const commandTimeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (!Number.isFinite(commandTimeout) || commandTimeout <= 0) {
      throw new RangeError(`RedisIdempotencyStore: commandTimeoutMs must be a positive number, got ${String(options.commandTimeoutMs)}`);
    }
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.redis = createFailFastRedisClient(connection, commandTimeout, 'RedisIdempotencyStore');
    this.connection = this.redis.client;
  }

  /**
   * The store's own connection: an ioredis `Redis`, or a `Cluster` when the store was given one
   * (typed loosely, so that apps without ioredis type-check; cast it to use its commands).
   */
  get client(): WazapinRedisClient {
    return this.connection;
  }

  async claim(key: string, leaseSeconds: number): Promise<IdempotencyClaim> {
    const redisKey = this.keyPrefix + key;
    const lease = Math.max(1, Math.ceil(leaseSeconds));
    await this.redis.connected();
    for (let tries = 0; tries < CLAIM_TRIES; tries++) {
      if ((await this.connection.set(redisKey, PROCESSING, 'EX', lease, 'NX')) === 'OK') {
        return 'claimed';
      }
      const value = await this.connection.get(redisKey);
      if (value === DONE) {
        return 'done';
      }
      if (value === PROCESSING) {
        return 'processing';
      }
    }
    return 'processing';
  }

  async complete(key: string, ttlSeconds: number): Promise<void> {
    await this.redis.connected();
    await this.connection.set(this.keyPrefix + key, DONE, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  async isDone(key: string): Promise<boolean> {
    await this.redis.connected();
    return (await this.connection.get(this.keyPrefix + key)) === DONE;
  }

  async release(key: string): Promise<void> {
    await this.redis.connected();
    await this.connection.eval(RELEASE_SCRIPT, 1, this.keyPrefix + key, PROCESSING);
  }

  /** Closes the store's connection. */
  async close(): Promise<void> {
    await closeRedisClient(this.connection);
  }

  /** Nest calls this when the app shuts down, after every handler has settled its claims. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
