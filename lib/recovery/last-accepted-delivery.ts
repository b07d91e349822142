import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import { dedupeNamespace } from '../receiving/dedupe-keys.js';
import { errorMessage } from '../utils/error-message.js';
import { WAZAPIN_IDEMPOTENCY_STORE, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';

/** Longest a time is written after an accepted delivery: a write at most this often, whatever the rate. */
const WRITE_EVERY_MS = 10_000;
/** How long the time is remembered: a month of downtime is still recovered from it. */
const REMEMBERED_SECONDS = 31 * 24 * 3600;

/**
 * When the registration last accepted a delivery, remembered in the idempotency store (shared by
 * the fleet with Redis) for `recovery.onStartup`: recovery starts there. A delivery accepted
 * costs a comparison; the store is written at most every 10 s, in the background, and once more
 * at shutdown. Recovery looks back a margin beyond it, which covers both.
 */
@Injectable()
export class LastAcceptedDelivery implements BeforeApplicationShutdown {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly key: string;
  /** The last accepted delivery's time, and the last written. */
  private accepted = 0;
  private written = 0;
  private writing?: Promise<void>;

  constructor(
    @Inject(WAZAPIN_OPTIONS) options: ResolvedWazapinWebhooksOptions,
    @Inject(WAZAPIN_IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
  ) {
    this.key = lastAcceptedKey(options.account);
  }

  /** A delivery was accepted now. */
  accept(): void {
    this.accepted = Date.now();
    if (this.accepted - this.written >= WRITE_EVERY_MS && !this.writing) {
      this.writing = this.write().finally(() => (this.writing = undefined));
    }
  }

  /** The time remembered, from this process or the store; `undefined` when none is, or the store fails. */
  async recalled(): Promise<number | undefined> {
    return this.latest().catch((error: unknown) => {
      this.logger.warn(`Could not read when a delivery was last accepted: ${errorMessage(error)}`);
      return this.local();
    });
  }

  /** This process's last accepted delivery's time, `undefined` before the first. */
  local(): number | undefined {
    return this.accepted > 0 ? this.accepted : undefined;
  }

  /**
   * The later of this process's last accepted delivery and the time the store remembers (any
   * instance's, with Redis, written at most every 10 s); `undefined` when there is neither.
   * Rejects when the store does.
   */
  async latest(): Promise<number | undefined> {
    const stored = await this.store.recordedTime?.(this.key);
    const latest = Math.max(stored ?? 0, this.accepted);
    return latest > 0 ? latest : undefined;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.writing;
    if (this.accepted > this.written) {
      await this.write();
    }
  }

  private async write(): Promise<void> {
    const time = this.accepted;
    try {
      await this.store.recordTime?.(this.key, time, REMEMBERED_SECONDS);
      this.written = Math.max(this.written, time);
    } catch (error) {
      this.logger.warn(`Could not record when a delivery was last accepted, for recovery at startup: ${errorMessage(error)}`);
    }
  }
}

/** Where a registration's last accepted delivery time is kept. */
function lastAcceptedKey(account: string): string {
  return `${dedupeNamespace(account)}recovery:last-accepted`;
}
