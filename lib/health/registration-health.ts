import { Inject, Injectable, Optional } from '@nestjs/common';
import type { IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import { WazapinDeliveryQueue } from '../queue/wazapin-delivery.queue.js';
import { LastAcceptedDelivery } from '../recovery/last-accepted-delivery.js';
import { answerWithin } from '../utils/answer-within.js';
import { errorMessage } from '../utils/error-message.js';
import { WAZAPIN_IDEMPOTENCY_STORE, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import type { WazapinRegistrationHealth } from './wazapin-health-options.interface.js';

/** A health check's options, defaults applied. */
export interface ResolvedHealthCheck {
  readonly maxQueueWaiting?: number;
  readonly maxSilenceSeconds?: number;
  readonly timeoutMs: number;
}

/** The name of a store's class, as the health result names it; a custom store's getters may throw. */
function storeName(store: IdempotencyStore): string {
  try {
    const name: unknown = (store as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'IdempotencyStore';
  } catch {
    return 'IdempotencyStore';
  }
}

/** The store's `ping`, bound, or `undefined` when it has none that is a function. */
function pingOf(store: IdempotencyStore): (() => Promise<void>) | undefined {
  const ping: unknown = store.ping;
  return typeof ping === 'function' ? () => (ping as () => Promise<void>).call(store) : undefined;
}

/**
 * One registration's health: its idempotency store answers, its queue (in `dispatch: 'queue'`)
 * answers and is not too long, and deliveries are arriving. Each check waits at most
 * `timeoutMs`; none throws. Read by `WazapinHealthIndicator`.
 */
@Injectable()
export class RegistrationHealth {
  readonly account: string;
  /** Silence is counted from here when no delivery was ever accepted. */
  private readonly startedAt = Date.now();

  constructor(
    @Inject(WAZAPIN_OPTIONS) options: ResolvedWazapinWebhooksOptions,
    @Inject(WAZAPIN_IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    private readonly lastAccepted: LastAcceptedDelivery,
    @Optional() private readonly queue?: WazapinDeliveryQueue,
  ) {
    this.account = options.account;
  }

  async check(options: ResolvedHealthCheck): Promise<WazapinRegistrationHealth> {
    const [store, queue, deliveries] = await Promise.all([this.checkStore(options), this.checkQueue(options), this.checkDeliveries(options)]);
    return queue ? { store, queue, deliveries } : { store, deliveries };
  }

  private async checkStore({ timeoutMs }: ResolvedHealthCheck): Promise<WazapinRegistrationHealth['store']> {
    const store = storeName(this.store);
    const started = performance.now();
    try {
      const ping = pingOf(this.store);
      if (!ping) {
        return { status: 'up', store, probed: false };
      }
      await answerWithin(Promise.resolve(ping()), timeoutMs);
      return { status: 'up', store, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { status: 'down', store, error: errorMessage(error) };
    }
  }

  private async checkQueue({ timeoutMs, maxQueueWaiting }: ResolvedHealthCheck): Promise<WazapinRegistrationHealth['queue']> {
    if (!this.queue) {
      return undefined;
    }
    const limit = maxQueueWaiting === undefined ? {} : { maxQueueWaiting };
    try {
      const waiting = await answerWithin(this.queue.waiting(), timeoutMs);
      return { status: maxQueueWaiting !== undefined && waiting > maxQueueWaiting ? 'down' : 'up', waiting, ...limit };
    } catch (error) {
      return { status: 'down', ...limit, error: errorMessage(error) };
    }
  }

  /** The store's time is read too, for the fleet's deliveries; when it fails, this instance's alone counts (the store check says why). */
  private async checkDeliveries({ timeoutMs, maxSilenceSeconds }: ResolvedHealthCheck): Promise<WazapinRegistrationHealth['deliveries']> {
    const latest = await answerWithin(this.lastAccepted.latest(), timeoutMs).catch(() => this.lastAccepted.local());
    const now = Date.now();
    const lastAcceptedSecondsAgo = latest === undefined ? null : Math.max(0, Math.floor((now - latest) / 1000));
    if (maxSilenceSeconds === undefined) {
      return { status: 'up', lastAcceptedSecondsAgo };
    }
    const silentMs = now - (latest ?? this.startedAt);
    return { status: silentMs > maxSilenceSeconds * 1000 ? 'down' : 'up', lastAcceptedSecondsAgo, maxSilenceSeconds };
  }
}
