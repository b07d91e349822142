import type { BenchMode } from '../support/bench-mode.js';
import { runBenchChild } from '../support/child-process.js';
import type { DedupeResult, InMemoryDedupeResult, RedisDedupeResult } from './dedupe-result.js';
import { type RedisServer, redisServerOnPath, startRedisServer } from '../../test/support/redis-server.js';

const CHILD_LIMIT_MS = 5 * 60_000;

async function benchRedis(claims: number): Promise<RedisDedupeResult> {
  const given = process.env.REDIS_URL;
  if (!given && !redisServerOnPath) {
    return { skipped: true, reason: 'no Redis: REDIS_URL is not set and redis-server is not on the PATH' };
  }
  let started: RedisServer | undefined;
  try {
    started = given ? undefined : await startRedisServer();
  } catch (error) {
    return { skipped: true, reason: error instanceof Error ? error.message : String(error) };
  }
  const url = given ?? (started as RedisServer).url;
  try {
    const result = await runBenchChild<Omit<Extract<RedisDedupeResult, { skipped: false }>, 'skipped' | 'server'>>(
      'dedupe/redis.child.js',
      [url, String(claims)],
      { timeoutMs: CHILD_LIMIT_MS },
    );
    return { skipped: false, server: given ? 'REDIS_URL' : 'redis-server started on loopback', ...result };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { skipped: true, reason: `Redis at ${given ? 'REDIS_URL' : url} failed: ${message}` };
  } finally {
    await started?.close();
  }
}

/**
 * Deduplication: the in-memory store's claim rate and memory for a million distinct ids (in a
 * fresh process with `--expose-gc`), and the Redis store's claim rate when Redis is at hand.
 */
export async function benchDedupe(mode: BenchMode): Promise<DedupeResult> {
  const inMemory = await runBenchChild<InMemoryDedupeResult>('dedupe/in-memory.child.js', [String(mode.dedupe.ids)], {
    execArgv: ['--expose-gc'],
    timeoutMs: CHILD_LIMIT_MS,
  });
  return { inMemory, redis: await benchRedis(mode.dedupe.redisClaims) };
}
