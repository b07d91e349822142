/**
 * Result of a claim:
 * - `claimed`: this caller owns the key until it completes or releases it, or the lease ends;
 * - `processing`: another caller holds a live lease;
 * - `done`: the key was completed and its done marker has not expired.
 *
 * @publicApi
 */
export type IdempotencyClaim = 'claimed' | 'processing' | 'done';

/**
 * Where delivery keys are claimed so each delivery is handled once. Implement it to use
 * another database; `RedisIdempotencyStore` serves several instances.
 *
 * @publicApi
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
  /**
   * Claims every key or none, atomically, in one operation (one round trip for a remote store).
   * Answers as {@link claim} would for the first key that cannot be claimed, having claimed
   * none. Optional: without it, the keys are claimed one by one and released on a conflict.
   */
  claimAll?(keys: readonly string[], leaseSeconds: number): Promise<IdempotencyClaim>;
  /** Marks every key done for `ttlSeconds`, in one operation. Optional, as {@link claimAll}. */
  completeAll?(keys: readonly string[], ttlSeconds: number): Promise<void>;
  /** Drops the claims of every key, in one operation. Optional, as {@link claimAll}. */
  releaseAll?(keys: readonly string[]): Promise<void>;
}
