import type { IdempotencyClaim, IdempotencyStore } from './idempotency-store.interface.js';

/** Options of {@link InMemoryIdempotencyStore}. */
export interface InMemoryIdempotencyStoreOptions {
  /** Most keys kept; beyond it the oldest are evicted first. Default 1,000,000. */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 1_000_000;
const EXPIRED_SWEEP_PER_CALL = 4;

/**
 * Single-process store: a `Map` in insertion order, bounded in entries, with expiry.
 * Each value is one small integer (seconds since the store was made, negative while a
 * processing lease), so a million keys cost little more than the key strings.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly epoch: number;

  constructor(options: InMemoryIdempotencyStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError('InMemoryIdempotencyStore: maxEntries must be a positive integer');
    }
    this.now = options.now ?? Date.now;
    this.epoch = this.now();
  }

  /** Number of keys held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  async claim(key: string, leaseSeconds: number): Promise<IdempotencyClaim> {
    return this.claimSync(key, leaseSeconds);
  }

  async complete(key: string, ttlSeconds: number): Promise<void> {
    this.set(key, this.deadline(ttlSeconds));
  }

  async release(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** {@link claim} without the promise, for hot paths and benchmarks. */
  claimSync(key: string, leaseSeconds: number): IdempotencyClaim {
    const now = this.clock();
    this.sweep(now);
    const value = this.entries.get(key);
    if (value !== undefined && Math.abs(value) > now) {
      return value < 0 ? 'processing' : 'done';
    }
    this.set(key, -this.deadline(leaseSeconds));
    return 'claimed';
  }

  private set(key: string, value: number): void {
    // Re-inserting moves the key to the end, keeping the map ordered by last write.
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /** Drops a few expired keys from the oldest end, so expiry costs O(1) per call. */
  private sweep(now: number): void {
    let budget = EXPIRED_SWEEP_PER_CALL;
    for (const [key, value] of this.entries) {
      if (budget-- === 0 || Math.abs(value) > now) {
        return;
      }
      this.entries.delete(key);
    }
  }

  /** Whole seconds since the store was made, rounded down, so nothing reads as expired early. */
  private clock(): number {
    return Math.floor((this.now() - this.epoch) / 1000);
  }

  /** The second `seconds` from now, rounded up, so a lease or TTL lasts at least as long as asked. */
  private deadline(seconds: number): number {
    return Math.ceil((this.now() - this.epoch) / 1000) + seconds;
  }
}
