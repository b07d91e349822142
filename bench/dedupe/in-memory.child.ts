import { InMemoryIdempotencyStore } from '../../lib/idempotency/in-memory-idempotency.store.js';
import { dedupeKeys } from '../../lib/receiving/dedupe-keys.js';
import { randomBytes } from 'node:crypto';
import { runAsBenchChild } from '../support/child-process.js';
import { round } from '../support/stats.js';
import type { InMemoryDedupeResult } from './dedupe-result.js';

const LEASE_SECONDS = 60;
const TTL_SECONDS = 72 * 3600;
const MB = 1024 * 1024;

const collect = (globalThis as { gc?: () => void }).gc;

function settledMemory(): { rss: number; heap: number } {
  if (!collect) {
    throw new Error('run with --expose-gc');
  }
  collect();
  collect();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed + usage.arrayBuffers };
}

/** The key the receiver claims for a delivery id, made the same way (a flat status body adds none). */
function deliveryKey(tag: string, i: number): string {
  return dedupeKeys(`msg_${tag}${i.toString(36).padStart(10, '0')}`, 'message.status_update', {})[0];
}

/** Claims and completes ids `from` to `to - 1`, as the receiver does for each new delivery. */
function receive(store: InMemoryIdempotencyStore, tag: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const key = deliveryKey(tag, i);
    store.claimSync(key, LEASE_SECONDS);
    void store.complete(key, TTL_SECONDS);
  }
}

function perSecond(count: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return round(count / (Number(process.hrtime.bigint() - start) / 1e9));
}

// Child process (with --expose-gc): memory and claim rate of the in-memory store.
runAsBenchChild(async (): Promise<InMemoryDedupeResult> => {
  const ids = Number(process.argv[2]);
  const tag = randomBytes(6).toString('hex');

  const before = settledMemory();
  const store = new InMemoryIdempotencyStore({ maxEntries: ids });
  receive(store, tag, 0, ids);
  const full = settledMemory();
  receive(store, tag, ids, 2 * ids);
  const twice = settledMemory();
  const oldestEvicted = store.claimSync(deliveryKey(tag, 0), LEASE_SECONDS) === 'claimed';
  const newestKept = store.claimSync(deliveryKey(tag, 2 * ids - 1), LEASE_SECONDS) === 'done';

  const keys = Array.from({ length: ids }, (_, i) => deliveryKey(`${tag}t`, i));
  const syncStore = new InMemoryIdempotencyStore({ maxEntries: ids });
  const claimSyncPerSecond = perSecond(ids, () => keys.forEach((key) => syncStore.claimSync(key, LEASE_SECONDS)));
  const asyncStore = new InMemoryIdempotencyStore({ maxEntries: ids });
  const start = process.hrtime.bigint();
  for (const key of keys) {
    await asyncStore.claim(key, LEASE_SECONDS);
  }
  const claimPerSecond = round(ids / (Number(process.hrtime.bigint() - start) / 1e9));

  return {
    ids,
    maxEntries: ids,
    claimSyncPerSecond,
    claimPerSecond,
    rssMegabytes: round((full.rss - before.rss) / MB, 3),
    heapAndBuffersMegabytes: round((full.heap - before.heap) / MB, 3),
    afterTwiceLimit: { size: store.size, rssMegabytes: round((twice.rss - before.rss) / MB, 3), oldestEvicted, newestKept },
  };
});
