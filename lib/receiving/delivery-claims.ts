import { ConflictException, Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { DeliveryClaim } from '../dispatch/delivery-claim.interface.js';
import type { IdempotencyClaim, IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import { errorMessage } from '../utils/error-message.js';
import { OutageLog } from '../utils/outage-log.js';
import { WAZAPIN_IDEMPOTENCY_STORE, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';

/** The keys of one delivery, claimed in the store until settled. */
class HeldClaim implements DeliveryClaim {
  constructor(
    private readonly claims: DeliveryClaims,
    private readonly keys: readonly string[],
  ) {}

  complete(): Promise<void> {
    return this.claims.settle(this.keys, 'complete');
  }

  release(): Promise<void> {
    return this.claims.settle(this.keys, 'release');
  }

  setAside(): Promise<void> {
    return this.complete();
  }
}

/** A claim of nothing: what `failOpen` dispatches with while the store is down. */
const UNCLAIMED: DeliveryClaim = { complete: () => Promise.resolve(), release: () => Promise.resolve(), setAside: () => Promise.resolve() };

/**
 * Claims a delivery's dedupe keys in the idempotency store, every key or none, and settles
 * them: in one operation each when the store has `claimAll`/`completeAll`/`releaseAll`
 * (one Redis round trip), key by key otherwise.
 */
@Injectable()
export class DeliveryClaims {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly storeOutage = new OutageLog(this.logger, 'Idempotency store');
  private readonly leaseSeconds: number;
  private readonly ttlSeconds: number;
  private readonly failOpen: boolean;

  constructor(
    @Inject(WAZAPIN_OPTIONS) options: ResolvedWazapinWebhooksOptions,
    @Inject(WAZAPIN_IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
  ) {
    ({ leaseSeconds: this.leaseSeconds, ttlSeconds: this.ttlSeconds, failOpen: this.failOpen } = options.idempotency);
  }

  /**
   * The claim of every key, or `'done'` when the delivery was handled before. A delivery being
   * handled elsewhere answers 409; a store failure 503 so the platform retries, unless
   * `failOpen` lets the delivery through unclaimed.
   */
  async claim(keys: readonly string[]): Promise<DeliveryClaim | 'done'> {
    let claim: IdempotencyClaim;
    try {
      claim = this.store.claimAll ? await this.store.claimAll(keys, this.leaseSeconds) : await this.claimEach(keys);
    } catch (error) {
      return this.onStoreFailure(error);
    }
    this.storeOutage.recovered();
    if (claim === 'processing') {
      throw new ConflictException('This delivery is being processed; retry later');
    }
    return claim === 'done' ? 'done' : new HeldClaim(this, keys);
  }

  /** Completes or releases `keys`; a failure is logged, and the lease expires by itself. */
  async settle(keys: readonly string[], action: 'complete' | 'release'): Promise<void> {
    try {
      if (action === 'complete') {
        await (this.store.completeAll
          ? this.store.completeAll(keys, this.ttlSeconds)
          : Promise.all(keys.map((key) => this.store.complete(key, this.ttlSeconds))));
      } else {
        await (this.store.releaseAll ? this.store.releaseAll(keys) : Promise.all(keys.map((key) => this.store.release(key))));
      }
    } catch (error) {
      // A retry then runs the delivery again rather than losing it.
      this.logger.warn(`Could not ${action} dedupe keys of a delivery: ${errorMessage(error)}`);
    }
  }

  /** Key by key, for stores without `claimAll`: on a conflict, the keys already claimed are released. */
  private async claimEach(keys: readonly string[]): Promise<IdempotencyClaim> {
    for (let i = 0; i < keys.length; i++) {
      const claim = await this.store.claim(keys[i], this.leaseSeconds);
      if (claim !== 'claimed') {
        await Promise.all(keys.slice(0, i).map((key) => this.store.release(key)));
        return claim;
      }
    }
    return 'claimed';
  }

  private onStoreFailure(error: unknown): DeliveryClaim {
    this.storeOutage.failed(error, this.failOpen ? 'dispatching without deduplication' : 'answering 503 until it recovers');
    if (this.failOpen) {
      return UNCLAIMED;
    }
    throw new ServiceUnavailableException('Webhook deduplication store unavailable; retry later');
  }
}
