import { Logger, type LoggerService } from '@nestjs/common';
import { ThrottledLog } from '../utils/throttled-log.js';
import type { IdempotencyClaim, IdempotencyStore, StatusClaim } from './idempotency-store.interface.js';
import { InMemoryStatusLedger } from './in-memory-status-ledger.js';
import { FINGERPRINT_WORDS, fingerprintKey } from './key-fingerprint.js';

/**
 * Options of {@link InMemoryIdempotencyStore}.
 *
 * @publicApi
 */
export interface InMemoryIdempotencyStoreOptions {
  /**
   * Most keys kept; beyond it the least recently written are evicted first. Default 1,000,000.
   * The store reserves about 56 bytes per entry up front; memory is touched as keys arrive.
   * With `statusOrder`, as many messages' status ranks are kept besides (about 200 bytes each).
   */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
  /**
   * Where the store warns that it is full and evicts keys before their TTL. Default Nest's
   * `Logger` under the `WazapinWebhooks` context.
   */
  logger?: LoggerService;
}

const DEFAULT_MAX_ENTRIES = 1_000_000;
const EXPIRED_SWEEP_PER_CALL = 4;
const EMPTY = 0;
const HOUR_MS = 3600 * 1000;
/** Keys of a delivery: its id, and a message key for some events. */
const USUAL_KEYS_PER_CALL = 2;

// The answers of the `*All` methods, settled once: a call allocates no promise.
const CLAIMED: Promise<IdempotencyClaim> = Promise.resolve('claimed');
const PROCESSING: Promise<IdempotencyClaim> = Promise.resolve('processing');
const DONE: Promise<IdempotencyClaim> = Promise.resolve('done');
const SETTLED: Promise<void> = Promise.resolve();

function settledClaim(claim: IdempotencyClaim): Promise<IdempotencyClaim> {
  return claim === 'claimed' ? CLAIMED : claim === 'done' ? DONE : PROCESSING;
}

function powerOfTwoAtLeast(n: number): number {
  let power = 1;
  while (power < n) {
    power *= 2;
  }
  return power;
}

/**
 * Single-process store, bounded in entries, with expiry.
 *
 * Keys live as 128-bit fingerprints in typed arrays, not as strings in a `Map`: a million keys
 * take tens of megabytes rather than over 200, the garbage collector has nothing to trace, and a
 * claim reads a few cache lines instead of walking a large table of strings.
 *
 * Two structures: a log of records (fingerprint and deadline) in write order, a ring of twice
 * `maxEntries`; and an open-addressing index from fingerprint to the key's latest record. Every
 * write appends a record, so the oldest live records in the log are the least recently written
 * keys: those evicted beyond `maxEntries` and swept once expired. A record the index no longer
 * points to was superseded and is skipped.
 *
 * @publicApi
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly epoch: number;

  private readonly logMask: number;
  private readonly logFingerprints: Uint32Array;
  /** Per record: the second (since the store was made) it expires; negative while a lease. */
  private readonly logDeadlines: Float64Array;
  /** Records appended and dropped so far: the log holds records `tail` to `head - 1`. */
  private head = 0;
  private tail = 0;

  private readonly indexMask: number;
  /** Per slot: the log position of a key's latest record, plus one; {@link EMPTY} if free. */
  private readonly index: Uint32Array;
  private live = 0;

  /** Fingerprint of the key a call is about. */
  private readonly key = new Uint32Array(FINGERPRINT_WORDS);
  /** Fingerprints of the keys a {@link claimAllSync} call is about; grown for a call with more. */
  private keys = new Uint32Array(USUAL_KEYS_PER_CALL * FINGERPRINT_WORDS);

  private readonly logger: LoggerService;
  private readonly earlyEvictions: ThrottledLog;
  private readonly statusEvictions: ThrottledLog;
  /** Status ranks per message, for `statusOrder`; empty unless it is used. */
  private readonly statuses: InMemoryStatusLedger;
  /** Times recorded with {@link recordTime}: a few keys, for `recovery.onStartup`. */
  private readonly times = new Map<string, { readonly time: number; readonly until: number }>();
  /** The lease and TTL last asked for, to tell how long an evicted key was kept. */
  private leaseSeconds = 0;
  private ttlSeconds = 0;

  constructor(options: InMemoryIdempotencyStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError('InMemoryIdempotencyStore: maxEntries must be a positive integer');
    }
    this.now = options.now ?? Date.now;
    this.epoch = this.now();
    this.logger = options.logger ?? new Logger('WazapinWebhooks');
    this.earlyEvictions = new ThrottledLog(HOUR_MS, this.now);
    this.statusEvictions = new ThrottledLog(HOUR_MS, this.now);
    this.statuses = new InMemoryStatusLedger(this.maxEntries, this.now, () => this.warnStatusEvicted());
    // Twice the entries: a key claimed then completed leaves one superseded record behind.
    const logSize = powerOfTwoAtLeast(2 * this.maxEntries);
    this.logMask = logSize - 1;
    this.logFingerprints = new Uint32Array(logSize * FINGERPRINT_WORDS);
    this.logDeadlines = new Float64Array(logSize);
    // At most half full, so probes stay short and always end at an empty slot.
    const indexSize = powerOfTwoAtLeast(2 * (this.maxEntries + 1));
    this.indexMask = indexSize - 1;
    this.index = new Uint32Array(indexSize);
  }

  /** Number of keys held, expired ones not yet swept included. */
  get size(): number {
    return this.live;
  }

  /** Always answers: the store is this process's memory. */
  async ping(): Promise<void> {}

  async claim(key: string, leaseSeconds: number): Promise<IdempotencyClaim> {
    return this.claimSync(key, leaseSeconds);
  }

  async recordTime(key: string, time: number, ttlSeconds: number): Promise<void> {
    const recorded = await this.recordedTime(key);
    this.times.set(key, { time: Math.max(time, recorded ?? time), until: this.now() + ttlSeconds * 1000 });
  }

  async recordedTime(key: string): Promise<number | undefined> {
    const recorded = this.times.get(key);
    if (recorded && recorded.until <= this.now()) {
      this.times.delete(key);
      return undefined;
    }
    return recorded?.time;
  }

  async complete(key: string, ttlSeconds: number): Promise<void> {
    this.ttlSeconds = ttlSeconds;
    fingerprintKey(key, this.key);
    this.write(this.deadline(ttlSeconds));
  }

  /**
   * Drops a processing lease; a done marker stays, as in Redis, so a late release cannot undo a
   * completion. Leases have no owner here: a claimer whose lease ran out drops, releasing, the
   * lease a retry took since, as `release` names the key and not the claimer.
   */
  async release(key: string): Promise<void> {
    fingerprintKey(key, this.key);
    this.releaseKey();
  }

  async isDone(key: string): Promise<boolean> {
    fingerprintKey(key, this.key);
    const slot = this.slotOf(this.key, 0);
    return slot >= 0 && this.logDeadlines[this.index[slot] - 1] > this.clock();
  }

  /**
   * Claims every key or none. Done synchronously, so no other call comes between the check and
   * the writes; the promise returned is one settled in advance, so a call allocates nothing.
   */
  claimAll(keys: readonly string[], leaseSeconds: number): Promise<IdempotencyClaim> {
    try {
      return settledClaim(this.claimAllSync(keys, leaseSeconds));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  completeAll(keys: readonly string[], ttlSeconds: number): Promise<void> {
    try {
      this.ttlSeconds = ttlSeconds;
      const deadline = this.deadline(ttlSeconds);
      for (let i = 0; i < keys.length; i++) {
        fingerprintKey(keys[i], this.key);
        this.write(deadline);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return SETTLED;
  }

  /** Drops the processing leases of `keys`; done markers stay, as with {@link release}. */
  releaseAll(keys: readonly string[]): Promise<void> {
    try {
      for (let i = 0; i < keys.length; i++) {
        fingerprintKey(keys[i], this.key);
        this.releaseKey();
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return SETTLED;
  }

  async claimStatus(key: string, rank: number, token: string, leaseSeconds: number, allowEqual = false): Promise<StatusClaim> {
    return this.statuses.claim(key, rank, token, leaseSeconds, allowEqual);
  }

  async completeStatus(key: string, rank: number, token: string, ttlSeconds: number): Promise<void> {
    this.statuses.complete(key, rank, token, ttlSeconds);
  }

  async releaseStatus(key: string, token: string): Promise<void> {
    this.statuses.release(key, token);
  }

  async statusRank(key: string): Promise<number | undefined> {
    return this.statuses.rank(key);
  }

  /**
   * {@link claimAll} without the promise, for hot paths and benchmarks: answers as
   * {@link claimSync} would for the first key that is taken, having written nothing, or leases
   * every key.
   */
  claimAllSync(keys: readonly string[], leaseSeconds: number): IdempotencyClaim {
    const now = this.clock();
    this.sweep(now);
    const count = keys.length;
    if (count * FINGERPRINT_WORDS > this.keys.length) {
      this.keys = new Uint32Array(count * FINGERPRINT_WORDS);
    }
    const fingerprints = this.keys;
    for (let i = 0; i < count; i++) {
      const offset = i * FINGERPRINT_WORDS;
      fingerprintKey(keys[i], fingerprints, offset);
      const slot = this.slotOf(fingerprints, offset);
      if (slot >= 0) {
        const value = this.logDeadlines[this.index[slot] - 1];
        if (Math.abs(value) > now) {
          return value < 0 ? 'processing' : 'done';
        }
      }
    }
    this.leaseSeconds = leaseSeconds;
    const lease = -this.deadline(leaseSeconds);
    for (let i = 0; i < count; i++) {
      this.write(lease, fingerprints, i * FINGERPRINT_WORDS);
    }
    return 'claimed';
  }

  /** {@link claim} without the promise, for hot paths and benchmarks. */
  claimSync(key: string, leaseSeconds: number): IdempotencyClaim {
    const now = this.clock();
    this.sweep(now);
    fingerprintKey(key, this.key);
    const slot = this.slotOf(this.key, 0);
    if (slot >= 0) {
      const value = this.logDeadlines[this.index[slot] - 1];
      if (Math.abs(value) > now) {
        return value < 0 ? 'processing' : 'done';
      }
    }
    this.leaseSeconds = leaseSeconds;
    this.write(-this.deadline(leaseSeconds));
    return 'claimed';
  }

  /** Drops the processing lease of the current key, if it has one. */
  private releaseKey(): void {
    const slot = this.slotOf(this.key, 0);
    if (slot >= 0 && this.logDeadlines[this.index[slot] - 1] < 0) {
      this.remove(slot);
    }
  }

  /**
   * Appends a record with `value` of the key whose fingerprint is at `source[offset]` (the
   * current key by default), and points the index at it.
   */
  private write(value: number, source: Uint32Array = this.key, offset = 0): void {
    if (this.head - this.tail > this.logMask) {
      this.dropOldest();
    }
    const position = this.head & this.logMask;
    const at = position * FINGERPRINT_WORDS;
    const log = this.logFingerprints;
    log[at] = source[offset];
    log[at + 1] = source[offset + 1];
    log[at + 2] = source[offset + 2];
    log[at + 3] = source[offset + 3];
    this.logDeadlines[position] = value;
    this.head++;
    const slot = this.slotOf(source, offset);
    if (slot >= 0) {
      this.index[slot] = position + 1;
      return;
    }
    this.index[-slot - 1] = position + 1;
    this.live++;
    if (this.live > this.maxEntries) {
      while (!this.dropOldest()) {
        // Superseded records before the oldest live one go with it.
      }
    }
  }

  /** Drops the oldest record of the log; true when it was a key's latest (the key is evicted). */
  private dropOldest(): boolean {
    const position = this.tail & this.logMask;
    this.tail++;
    const slot = this.slotOf(this.logFingerprints, position * FINGERPRINT_WORDS);
    if (slot >= 0 && this.index[slot] === position + 1) {
      this.warnIfUnexpired(this.logDeadlines[position]);
      this.remove(slot);
      return true;
    }
    return false;
  }

  /**
   * The bound evicts keys that have not expired yet: the dedupe window is then shorter than the
   * TTL, and a retry arriving after it runs its delivery again. Said at most once an hour.
   */
  private warnIfUnexpired(value: number): void {
    const now = this.clock();
    if (Math.abs(value) <= now) {
      return;
    }
    const kept = now - (value < 0 ? -value - this.leaseSeconds : value - this.ttlSeconds);
    this.earlyEvictions.write((suppressed) =>
      this.logger.warn(
        `In-memory idempotency store is full (${this.maxEntries} keys): it evicted a key kept for about ${Math.max(0, kept)} s, ` +
          `less than its ${value < 0 ? `${this.leaseSeconds} s lease` : `${this.ttlSeconds} s TTL`}, so a retry after that runs its delivery again` +
          `${suppressed > 0 ? ` (and ${suppressed} more keys since the last warning)` : ''}. ` +
          'Raise idempotency.maxEntries, or use RedisIdempotencyStore (see the README, "Several instances").',
      ),
    );
  }

  /** A message whose rank was evicted has its next update handled as fresh, however late. Said at most once an hour. */
  private warnStatusEvicted(): void {
    this.statusEvictions.write((suppressed) =>
      this.logger.warn(
        `In-memory idempotency store holds the status ranks of ${this.maxEntries} messages: it evicted one before its TTL, so a late ` +
          `status of that message is no longer known as stale${suppressed > 0 ? ` (and ${suppressed} more since the last warning)` : ''}. ` +
          'Raise idempotency.maxEntries, or use RedisIdempotencyStore.',
      ),
    );
  }

  /** Drops expired keys from the oldest end, a few per call, so expiry costs O(1) per call. */
  private sweep(now: number): void {
    let budget = EXPIRED_SWEEP_PER_CALL;
    while (this.tail < this.head) {
      const position = this.tail & this.logMask;
      const slot = this.slotOf(this.logFingerprints, position * FINGERPRINT_WORDS);
      if (slot >= 0 && this.index[slot] === position + 1) {
        if (budget-- === 0 || Math.abs(this.logDeadlines[position]) > now) {
          return;
        }
        this.remove(slot);
      }
      this.tail++;
    }
  }

  /**
   * The index slot holding the fingerprint at `source[offset]`, or, when absent, `-(s + 1)` for
   * the empty slot `s` where it would go. Linear probing from the fingerprint's first word.
   */
  private slotOf(source: Uint32Array, offset: number): number {
    const { index, indexMask, logFingerprints: log } = this;
    for (let slot = source[offset] & indexMask; ; slot = (slot + 1) & indexMask) {
      const entry = index[slot];
      if (entry === EMPTY) {
        return -slot - 1;
      }
      const at = (entry - 1) * FINGERPRINT_WORDS;
      if (
        log[at] === source[offset] &&
        log[at + 1] === source[offset + 1] &&
        log[at + 2] === source[offset + 2] &&
        log[at + 3] === source[offset + 3]
      ) {
        return slot;
      }
    }
  }

  /** Empties `slot`, shifting back later entries of its probe run so lookups still find them. */
  private remove(slot: number): void {
    const { index, indexMask } = this;
    let hole = slot;
    for (let next = (hole + 1) & indexMask; index[next] !== EMPTY; next = (next + 1) & indexMask) {
      const home = this.logFingerprints[(index[next] - 1) * FINGERPRINT_WORDS] & indexMask;
      // The entry may fill the hole unless its home slot lies after the hole, up to `next`.
      if (((next - home) & indexMask) >= ((next - hole) & indexMask)) {
        index[hole] = index[next];
        hole = next;
      }
    }
    index[hole] = EMPTY;
    this.live--;
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
