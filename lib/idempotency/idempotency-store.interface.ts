/**
 * Result of a claim:
 * - `claimed`: this caller owns the key until it completes or releases it, or the lease ends;
 * - `processing`: another caller holds a live lease;
 * - `done`: the key was completed and its done marker has not expired.
 */
export type IdempotencyClaim = 'claimed' | 'processing' | 'done';

/**
 * Where delivery keys are claimed so each delivery is handled once. Implement it to use
 * another database; `RedisIdempotencyStore` serves several instances.
 */
export interface IdempotencyStore {
  /** Atomically claims `key` with a processing lease of `leaseSeconds`, unless it is taken. */
  claim(key: string, leaseSeconds: number): Promise<IdempotencyClaim>;
  /** Marks a claimed key done for `ttlSeconds`. */
  complete(key: string, ttlSeconds: number): Promise<void>;
  /** Drops a claim so a retry can take it. */
  release(key: string): Promise<void>;
  /**
   * Whether `key` is completed and its done marker has not expired. Optional: with it, an
   * `inline` retry skips the handlers that succeeded on an earlier attempt.
   */
  isDone?(key: string): Promise<boolean>;
}
