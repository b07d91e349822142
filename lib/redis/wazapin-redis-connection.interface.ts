/**
 * An ioredis `Redis` or `Cluster` client, typed by what the module uses of it, so that an app
 * without ioredis still type-checks against this package's declarations.
 *
 * @publicApi
 */
export interface WazapinRedisClient {
  duplicate(...args: never[]): unknown;
  readonly status: string;
}

/**
 * The Redis to use: a `redis://` / `rediss://` URL, ioredis options (`RedisOptions`, with a
 * `url` too, as BullMQ's connection options allow), or an ioredis `Redis` or `Cluster` client.
 * From a client the module copies the settings (`duplicate()`) into a connection of its own,
 * tuned for its job and closed on shutdown, so your client's settings and lifetime stay yours.
 *
 * @publicApi
 */
export type WazapinRedisConnection = string | WazapinRedisClient | object;
