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
 * Result of a status claim (the `statusOrder` option), for one message:
 * - `fresh`: the status ranks above every status handled; this caller holds the message's
 *   status lease until it completes or releases it, or the lease ends;
 * - `stale`: a status of the same rank or above was handled;
 * - `busy`: another caller holds the message's status lease (its handlers are running).
 *
 * @publicApi
 */
export type StatusClaim = 'fresh' | 'stale' | 'busy';

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
  /**
   * For `statusOrder`, atomically: `stale` when `rank` is not above the rank recorded for `key`
   * (a message; with `allowEqual`, when it is below it), `busy` while another token holds the
   * key's lease, otherwise a lease of `leaseSeconds` held by `token` and `fresh`. `allowEqual`
   * serves the retry of an update some of whose handlers succeeded: that attempt recorded its
   * rank. Optional, with the three methods after it: a store without them cannot serve
   * `statusOrder`, which then fails boot.
   */
  claimStatus?(key: string, rank: number, token: string, leaseSeconds: number, allowEqual?: boolean): Promise<StatusClaim>;
  /**
   * Records `rank` for `key` when above the recorded one, kept for `ttlSeconds`, and drops the
   * lease if `token` still holds it.
   */
  completeStatus?(key: string, rank: number, token: string, ttlSeconds: number): Promise<void>;
  /** Drops the lease of `key` if `token` still holds it, recording nothing. */
  releaseStatus?(key: string, token: string): Promise<void>;
  /** The rank recorded for `key`, or `undefined`; it takes no lease. */
  statusRank?(key: string): Promise<number | undefined>;
  /**
   * Records `time` (milliseconds since the epoch) for `key` for `ttlSeconds`, unless a later time
   * is recorded: `recovery.onStartup` remembers so when the registration last accepted a
   * delivery. Optional, with {@link recordedTime}: without them, recovery looks back
   * `recovery.lookbackHours`.
   */
  recordTime?(key: string, time: number, ttlSeconds: number): Promise<void>;
  /** The time recorded for `key`, or `undefined`. */
  recordedTime?(key: string): Promise<number | undefined>;
  /**
   * Resolves once the store answers, rejects when it cannot be reached: what
   * `WazapinHealthIndicator` checks. Optional: a store without it is reported up, not probed.
   */
  ping?(): Promise<void>;
}
