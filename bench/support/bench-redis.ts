import { Redis } from 'ioredis';
import { type RedisServer, redisServerOnPath, startRedisServer } from '../../test/support/redis-server.js';

/** Why the Redis at `url` does not answer a PING within 2 s, or undefined when it does. */
async function unreachable(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
}

/** A Redis for a section of the benchmark: REDIS_URL, or a redis-server it started on loopback. */
export interface BenchRedis {
  readonly url: string;
  /** What it is, for the report: `REDIS_URL` or `redis-server started on loopback`. */
  readonly server: string;
  close(): Promise<void>;
}

/**
 * REDIS_URL when set (and answering), else a `redis-server` from the PATH started on a free
 * loopback port. When neither is at hand, resolves with the reason, so the section reports
 * itself skipped; with the `CI` environment variable set it throws instead, so a CI run cannot
 * skip its Redis figures.
 */
export async function benchRedis(): Promise<BenchRedis | { skipped: string }> {
  const given = process.env.REDIS_URL;
  let reason: string;
  if (given) {
    const failure = await unreachable(given);
    if (failure === undefined) {
      return { url: given, server: 'REDIS_URL', close: async () => {} };
    }
    reason = `Redis at REDIS_URL failed: ${failure}`;
  } else if (!redisServerOnPath) {
    reason = 'no Redis: REDIS_URL is not set and redis-server is not on the PATH';
  } else {
    try {
      const started: RedisServer = await startRedisServer();
      return { url: started.url, server: 'redis-server started on loopback', close: () => started.close() };
    } catch (error) {
      reason = `redis-server did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (process.env.CI) {
    throw new Error(`${reason} (CI is set, so the Redis figures may not be skipped)`);
  }
  return { skipped: reason };
}
