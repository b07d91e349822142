import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisServerOnPath, startRedisServer } from './redis-server.js';

export { startRedisServer, type RedisServer } from './redis-server.js';

/** Why tests that need some Redis cannot run here; `undefined` when they can. */
export const redisMissing: string | undefined =
  process.env.REDIS_URL || redisServerOnPath ? undefined : 'needs Redis: set REDIS_URL or put redis-server on the PATH';
/** Why tests that stop and restart their own redis-server cannot run here; `undefined` when they can. */
export const redisServerMissing: string | undefined = redisServerOnPath ? undefined : 'needs redis-server on the PATH';

/**
 * `describe` when `missing` is undefined. Otherwise the suite is skipped with the reason, or,
 * with `CI` set, replaced by a failing test, since CI must run every suite.
 */
export function describeIf(missing: string | undefined): (name: string, body: () => void) => void {
  if (missing === undefined) {
    return describe;
  }
  if (process.env.CI) {
    return (name) =>
      describe(name, () => {
        it('runs', () => {
          throw new Error(`CI is set but this suite ${missing}`);
        });
      });
  }
  return (name, body) => {
    process.stderr.write(`Skipping "${name}": ${missing}\n`);
    describe.skip(name, body);
  };
}

/** Redis for a suite: `REDIS_URL` when set, else a redis-server started for it. */
export async function useRedis(): Promise<{ url: string; close(): Promise<void> }> {
  if (process.env.REDIS_URL) {
    return { url: process.env.REDIS_URL, close: async () => undefined };
  }
  return startRedisServer();
}

/** A key prefix of its own for one test, so suites sharing a `REDIS_URL` never meet. */
export function uniquePrefix(label: string): string {
  return `wazapin-test:${label}:${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix`, leaving the rest of a shared Redis alone. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await client.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
