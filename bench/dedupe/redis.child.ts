import { randomBytes } from 'node:crypto';
import { RedisIdempotencyStore } from '../../lib/idempotency/redis-idempotency.store.js';
import { runAsBenchChild } from '../support/child-process.js';
import { round } from '../support/stats.js';

const LEASE_SECONDS = 60;
const CONCURRENCY = 64;

// Child process: claims per second on RedisIdempotencyStore at `url`, one at a time and with
// CONCURRENCY in flight. Keys carry a fresh prefix and a one-minute lease, so a shared Redis
// keeps nothing of the run for long.
runAsBenchChild(async () => {
  const [url, count] = [process.argv[2], Number(process.argv[3])];
  const store = new RedisIdempotencyStore(url, { keyPrefix: `wazapin:bench:${randomBytes(6).toString('hex')}:` });
  try {
    let claimed = 0;
    const claim = async (key: string) => {
      if ((await store.claim(key, LEASE_SECONDS)) === 'claimed') {
        claimed++;
      }
    };
    let start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      await claim(`s:${i}`);
    }
    const sequential = count / (Number(process.hrtime.bigint() - start) / 1e9);

    let next = 0;
    start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          await claim(`c:${next++}`);
        }
      }),
    );
    const concurrent = count / (Number(process.hrtime.bigint() - start) / 1e9);
    if (claimed !== 2 * count) {
      throw new Error(`expected ${2 * count} fresh claims, got ${claimed}`);
    }
    return { claims: count, sequentialClaimsPerSecond: round(sequential), concurrentClaimsPerSecond: round(concurrent), concurrency: CONCURRENCY };
  } finally {
    await store.close();
  }
});
