import type { StatusClaim } from './idempotency-store.interface.js';
import { keyDigest } from './key-fingerprint.js';

/** What is kept of one message: the highest rank handled, and the lease of an update being handled. */
interface StatusEntry {
  readonly rank?: number;
  /** Epoch ms after which the entry is gone. */
  readonly expires: number;
  readonly token?: string;
  /** Epoch ms the lease ends. */
  readonly leaseEnds: number;
}

const EXPIRED_SWEEP_PER_CALL = 4;

/**
 * The status ranks of {@link InMemoryIdempotencyStore}: per message, keyed by a 16-character
 * digest of its key (so a long message id costs no more than a short one), in a `Map` kept in write
 * order, so the oldest written are swept once expired, a few per call, and evicted first beyond
 * `maxEntries`. Every method is synchronous, so nothing comes between a check and its write.
 */
export class InMemoryStatusLedger {
  private readonly entries = new Map<string, StatusEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
    /** Told when an entry that had not expired is evicted. */
    private readonly onEarlyEviction: () => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  claim(key: string, rank: number, token: string, leaseSeconds: number, allowEqual: boolean): StatusClaim {
    const now = this.now();
    key = keyDigest(key);
    const entry = this.live(key, now);
    if (entry?.rank !== undefined && (allowEqual ? rank < entry.rank : rank <= entry.rank)) {
      return 'stale';
    }
    if (entry?.token !== undefined && entry.leaseEnds > now) {
      return 'busy';
    }
    const leaseEnds = now + leaseSeconds * 1000;
    this.write(key, { rank: entry?.rank, expires: Math.max(entry?.expires ?? 0, leaseEnds), token, leaseEnds }, now);
    return 'fresh';
  }

  complete(key: string, rank: number, token: string, ttlSeconds: number): void {
    const now = this.now();
    key = keyDigest(key);
    const entry = this.live(key, now);
    const holds = entry?.token === token;
    this.write(
      key,
      {
        rank: entry?.rank === undefined ? rank : Math.max(entry.rank, rank),
        expires: now + ttlSeconds * 1000,
        token: holds ? undefined : entry?.token,
        leaseEnds: holds ? 0 : (entry?.leaseEnds ?? 0),
      },
      now,
    );
  }

  release(key: string, token: string): void {
    key = keyDigest(key);
    const entry = this.live(key, this.now());
    if (entry?.token !== token) {
      return;
    }
    if (entry.rank === undefined) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, { rank: entry.rank, expires: entry.expires, leaseEnds: 0 });
  }

  rank(key: string): number | undefined {
    return this.live(keyDigest(key), this.now())?.rank;
  }

  private live(key: string, now: number): StatusEntry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Writes `entry` as the newest, sweeping a few expired ones and evicting beyond the bound. */
  private write(key: string, entry: StatusEntry, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    let budget = EXPIRED_SWEEP_PER_CALL;
    for (const [oldest, held] of this.entries) {
      if (this.entries.size > this.maxEntries) {
        this.entries.delete(oldest);
        if (held.expires > now) {
          this.onEarlyEviction();
        }
        continue;
      }
      if (budget-- === 0 || held.expires > now) {
        return;
      }
      this.entries.delete(oldest);
    }
  }
}
