import { randomBytes } from 'node:crypto';
import { ConflictException, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { DeliveryClaim } from '../dispatch/delivery-claim.interface.js';
import { WazapinEventEmitter } from '../events/wazapin-event-emitter.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { IdempotencyStore, StatusClaim } from '../idempotency/idempotency-store.interface.js';
import { dedupeNamespace } from '../receiving/dedupe-keys.js';
import type { HandlerLedger } from '../receiving/handler-ledger.js';
import { errorMessage } from '../utils/error-message.js';
import { OutageLog } from '../utils/outage-log.js';
import { printable } from '../utils/printable.js';
import { ThrottledLog } from '../utils/throttled-log.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { WazapinWebhookEvents } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import type { ResolvedStatusOrderOptions } from './status-order.config.js';
import type { WazapinStaleStatus } from './wazapin-stale-status.interface.js';

const STATUS_UPDATE = 'message.status_update';
/** How long an update waits for the one of its message being handled before it is answered 409. */
const BUSY_WAIT_MS = 1000;
/** Pauses between looks at a message held by another instance. */
const BUSY_POLL_MS = [20, 40, 80, 160, 320];
const STALE_LOG_INTERVAL_MS = 60_000;

/** A message's status lease, held while the handlers of a fresh update run. */
export interface HeldStatus {
  /** Records the update's rank and drops the lease: its handlers succeeded (some of them, at least). */
  complete(): Promise<void>;
  /** Drops the lease without recording the rank: a handler failed, and the retry must not be stale. */
  release(): Promise<void>;
}

/** An ordered update of a message: `key` its status key in the store, `rank` its status's rank. */
interface OrderedUpdate {
  readonly key: string;
  readonly rank: number;
}

type StoreWithStatus = Required<Pick<IdempotencyStore, 'claimStatus' | 'completeStatus' | 'releaseStatus' | 'statusRank'>>;

function checkStore(store: IdempotencyStore): StoreWithStatus {
  if (!store.claimStatus || !store.completeStatus || !store.releaseStatus || !store.statusRank) {
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: statusOrder needs an idempotency store with claimStatus, completeStatus, releaseStatus and statusRank; ` +
        `${store.constructor?.name ?? 'the store given'} has not all of them (InMemoryIdempotencyStore and RedisIdempotencyStore have)`,
    );
  }
  return store as StoreWithStatus;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `statusOrder`: per message, the highest status rank handled, and whether an update is stale.
 * A fresh update takes its message's status lease in the store (one atomic operation), so two
 * instances never handle two updates of a message at once, and records its rank only once its
 * handlers succeeded; the handlers of a message thus see its ranks rising, strictly, and a
 * failed one leaves its retry fresh. When some handlers of an update succeeded and others
 * failed, its rank is recorded (those that succeeded saw it, and must not see a lower one
 * next), and its retry is stale only below a higher rank: the failed handlers get it then.
 */
export class StatusOrder {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly storeOutage = new OutageLog(this.logger, 'Idempotency store (status order)');
  private readonly staleLog = new ThrottledLog(STALE_LOG_INTERVAL_MS);
  private readonly settings: ResolvedStatusOrderOptions;
  private readonly store: StoreWithStatus;
  private readonly ttlSeconds: number;
  private readonly failOpen: boolean;
  private readonly tokenPrefix = `${randomBytes(9).toString('base64url')}:`;
  private tokens = 0;
  /** Leases this process holds, by status key: an update of the same message waits for it here rather than polling. */
  private readonly held = new Map<string, Promise<void>>();
  /** In `inline` mode, what tells a retry after a partial failure (the platform's) from a late update. */
  private readonly ledger?: HandlerLedger;

  constructor(
    options: ResolvedWazapinWebhooksOptions,
    store: IdempotencyStore,
    private readonly events: WazapinEventEmitter,
    ledger: HandlerLedger,
  ) {
    this.settings = options.statusOrder!;
    this.ledger = options.dispatch === 'inline' ? ledger : undefined;
    this.store = checkStore(store);
    ({ ttlSeconds: this.ttlSeconds, failOpen: this.failOpen } = options.idempotency);
  }

  /** Whether stale updates go to no handler. */
  get drops(): boolean {
    return this.settings.mode === 'drop';
  }

  /**
   * At the route, for `inline` and `background`: the claim to hand off with (which also settles
   * the message's status lease), or `'stale'` when the update was dropped, its claim completed.
   * Sets `event.stale`. Answers 409 when another update of the message is still being handled
   * after a second, 503 when the store fails (unless `failOpen`); the claim is released then.
   */
  async order(event: WazapinEvent, claim: DeliveryClaim): Promise<DeliveryClaim | 'stale'> {
    let turn: HeldStatus | 'stale' | 'busy' | undefined;
    try {
      turn = await this.take(event);
      if (turn === 'stale' && this.ledger && (await this.ledger.succeededBefore(event)).size > 0) {
        turn = await this.take(event, true);
      }
    } catch (error) {
      await claim.release();
      throw error;
    }
    if (turn === undefined) {
      return claim;
    }
    if (turn === 'busy') {
      await claim.release();
      throw new ConflictException('An earlier status update of this message is being handled; retry later');
    }
    if (turn === 'stale') {
      return this.onStale(event, claim);
    }
    const status = turn;
    return {
      complete: () => Promise.all([claim.complete(), status.complete()]).then(() => undefined),
      release: (partly) => Promise.all([claim.release(partly), partly ? status.complete() : status.release()]).then(() => undefined),
      setAside: (partly) => Promise.all([claim.setAside(partly), partly ? status.complete() : status.release()]).then(() => undefined),
    };
  }

  /**
   * At the route, for `queue` with `'drop'`: `'stale'` when a higher status was handled already
   * (the update is dropped, its claim completed), the claim otherwise; the worker decides the
   * rest, where the handlers run. No lease is taken here.
   */
  async peek(event: WazapinEvent, claim: DeliveryClaim): Promise<DeliveryClaim | 'stale'> {
    const update = this.drops ? this.orderedUpdate(event) : undefined;
    if (update === undefined) {
      return claim;
    }
    let recorded: number | undefined;
    try {
      recorded = await this.store.statusRank(update.key);
      this.storeOutage.recovered();
    } catch (error) {
      // The worker decides, and answers for the store then.
      this.storeOutage.failed(error, 'the queue worker decides');
      return claim;
    }
    return recorded !== undefined && update.rank <= recorded ? this.onStale(event, claim) : claim;
  }

  /**
   * The status lease of a fresh update, `'stale'`, `'busy'` after waiting up to a second for
   * the update of the message being handled, or `undefined` when the event is not ordered (not
   * a status update, no message id, a status without a rank). Sets `event.stale` on status
   * updates. A store failure throws a 503 (`failOpen`: not ordered). `retryOfPartial`: an
   * attempt of this delivery where some handlers succeeded recorded its rank, which is then not
   * stale.
   */
  async take(event: WazapinEvent, retryOfPartial = false): Promise<HeldStatus | 'stale' | 'busy' | undefined> {
    const update = this.orderedUpdate(event);
    if (update === undefined) {
      return undefined;
    }
    const token = this.tokenPrefix + (++this.tokens).toString(36);
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      const claim = await this.claim(update, token, retryOfPartial);
      if (claim === undefined) {
        return undefined;
      }
      (event as { stale?: boolean }).stale = claim === 'stale';
      if (claim === 'fresh') {
        return this.hold(update, token);
      }
      const left = deadline - Date.now();
      if (claim === 'stale' || left <= 0) {
        return claim;
      }
      const local = this.held.get(update.key);
      const pause = sleep(Math.min(left, BUSY_POLL_MS[Math.min(attempt, BUSY_POLL_MS.length - 1)]));
      await (local ? Promise.race([local, pause]) : pause);
    }
  }

  /** The update's status key and rank, or `undefined` when it is not ordered; `event.stale` false for other status updates. */
  private orderedUpdate(event: WazapinEvent): OrderedUpdate | undefined {
    if (event.type !== STATUS_UPDATE) {
      return undefined;
    }
    (event as { stale?: boolean }).stale = false;
    const { message_id: messageId, status } = event.payload as { message_id?: unknown; status?: unknown };
    const rank = typeof status === 'string' ? this.settings.ranks.get(status) : undefined;
    if (rank === undefined || typeof messageId !== 'string' || messageId === '') {
      return undefined;
    }
    return { key: `${dedupeNamespace(event.account, event.tenant)}status:${messageId}`, rank };
  }

  private async claim(update: OrderedUpdate, token: string, allowEqual: boolean): Promise<StatusClaim | undefined> {
    try {
      const claim = await this.store.claimStatus(update.key, update.rank, token, this.settings.leaseSeconds, allowEqual);
      this.storeOutage.recovered();
      return claim;
    } catch (error) {
      // A claim that timed out here may still run once the store recovers; its lease, which no
      // update holds, would keep the message busy until it expired. Sent after it, best effort.
      void this.store.releaseStatus(update.key, token).catch(() => undefined);
      this.storeOutage.failed(error, this.failOpen ? 'dispatching status updates unordered' : 'answering 503 until it recovers');
      if (this.failOpen) {
        return undefined;
      }
      throw new ServiceUnavailableException('Webhook deduplication store unavailable; retry later');
    }
  }

  private hold(update: OrderedUpdate, token: string): HeldStatus {
    let done!: () => void;
    const settled = new Promise<void>((resolve) => (done = resolve));
    this.held.set(update.key, settled);
    let once: Promise<void> | undefined;
    const settle = (work: () => Promise<void>, failed: string) =>
      (once ??= work()
        .catch((error: unknown) => this.logger.warn(`${failed}: ${errorMessage(error)}`))
        .finally(() => {
          if (this.held.get(update.key) === settled) {
            this.held.delete(update.key);
          }
          done();
        }));
    return {
      complete: () =>
        settle(
          () => this.store.completeStatus(update.key, update.rank, token, this.ttlSeconds),
          `Could not record a status update's rank (${update.rank}) in the idempotency store: a lower status of its message may ` +
            `be handled as fresh, and its other updates wait until the lease ends (${this.settings.leaseSeconds} s)`,
        ),
      release: () =>
        settle(
          () => this.store.releaseStatus(update.key, token),
          `Could not give back a message's status lease: its other updates wait until it ends (${this.settings.leaseSeconds} s)`,
        ),
    };
  }

  /** A stale update in `'drop'`: completed (so its retries are duplicates), emitted and counted. */
  private async onStale(event: WazapinEvent, claim: DeliveryClaim): Promise<DeliveryClaim | 'stale'> {
    if (!this.drops) {
      return claim;
    }
    await claim.complete();
    this.dropped(event);
    return 'stale';
  }

  /** Emits a dropped update and counts it in a log line at most once a minute. */
  dropped(event: WazapinEvent): void {
    const status = (event.payload as { status: string }).status;
    const stale: WazapinStaleStatus = { event: event as WazapinEvent<'message.status_update'>, rank: this.settings.ranks.get(status)! };
    this.events.emit(WazapinWebhookEvents.StaleStatus, stale);
    this.staleLog.write((suppressed) =>
      this.logger.log(
        `Dropped a stale status update (${printable(status)} of message ${printable((event.payload as { message_id: string }).message_id)}, ` +
          `a higher status was handled)${suppressed > 0 ? `, and ${suppressed} more in the last minute` : ''}`,
      ),
    );
  }
}
