import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Subscription } from 'rxjs';
import { WazapinEndpointRegistrar } from '../api/wazapin-endpoint.registrar.js';
import { WazapinWebhooksApiService } from '../api/wazapin-webhooks-api.service.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import { dedupeNamespace } from '../receiving/dedupe-keys.js';
import { errorMessage } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import { WAZAPIN_IDEMPOTENCY_STORE, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { ResolvedStartupRecovery, ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { LastAcceptedDelivery } from './last-accepted-delivery.js';

/** How far before the last accepted delivery recovery starts: it is written every 10 s, and clocks differ. */
const ACCEPTED_MARGIN_MS = 10 * 60_000;
/** How far before the end of the last recovery's window the next starts: instances' clocks differ. */
const COVERED_MARGIN_MS = 60_000;
/** How long the lock is held by a recovery running, longer than any should take. */
const LOCK_SECONDS = 10 * 60;
/** How long the end of a recovery's window is remembered. */
const COVERED_SECONDS = 31 * 24 * 3600;
const HOUR_MS = 3600_000;

/**
 * `recovery.onStartup`: once the app listens, recovers in the background the deliveries Wazapin
 * gave up on since the registration last accepted one, so an app that was down gets what it
 * missed. One instance of the fleet at a time (a lock in the idempotency store; an instance
 * finding it held skips), and each failure once: a run remembers where its window ended, and the
 * next starts there (less a minute), so an instance starting after another's run does not retry
 * what that run did. It never delays boot, and a failure is logged, never thrown.
 */
@Injectable()
export class StartupRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly recovery?: ResolvedStartupRecovery;
  private readonly lockKey: string;
  /** Where a run's window ended, per endpoint recovered (`*`: every endpoint). */
  private readonly coveredPrefix: string;
  private subscription?: Subscription;
  private running?: Promise<void>;

  constructor(
    @Inject(WAZAPIN_OPTIONS) options: ResolvedWazapinWebhooksOptions,
    @Inject(WAZAPIN_IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    private readonly api: WazapinWebhooksApiService,
    private readonly registrar: WazapinEndpointRegistrar,
    private readonly lastAccepted: LastAcceptedDelivery,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.recovery = options.recovery;
    this.lockKey = `${dedupeNamespace(options.account)}recovery:lock`;
    this.coveredPrefix = `${dedupeNamespace(options.account)}recovery:covered-until:`;
    if (this.recovery && this.recovery.endpointId === undefined && options.autoRegister === undefined) {
      this.logger.warn(
        'recovery.onStartup without recovery.endpointId or autoRegister recovers the failed deliveries of every endpoint of the organisation',
      );
    }
  }

  onApplicationBootstrap(): void {
    if (!this.recovery || !this.adapterHost) {
      return;
    }
    // After `listen`: the deliveries it retries need the route up.
    this.subscription = this.adapterHost.listen$.subscribe(() => {
      this.running ??= this.run(this.recovery!).catch((error: unknown) =>
        this.logger.error(`Recovering failed deliveries at startup failed: ${errorMessage(error)}`),
      );
    });
  }

  /**
   * Does not wait for a recovery still running (its 429 pauses can last minutes, past any grace
   * period): its lock is released, so the instance replacing this one recovers in its turn.
   */
  async onApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    if (this.running) {
      await this.store.release(this.lockKey).catch(() => undefined);
    }
  }

  private async run({ lookbackHours, endpointId = this.registrar.endpointId }: ResolvedStartupRecovery): Promise<void> {
    if ((await this.store.claim(this.lockKey, LOCK_SECONDS)) !== 'claimed') {
      this.logger.log('Recovery at startup skipped: another instance is recovering failed deliveries');
      return;
    }
    try {
      const until = new Date();
      const coveredKey = this.coveredPrefix + (endpointId ?? '*');
      const since = await this.since(until, lookbackHours, coveredKey);
      const scope = endpointId === undefined ? 'every endpoint' : `endpoint ${printable(endpointId)}`;
      this.logger.log(`Recovering failed deliveries of ${scope} since ${since.from.toISOString()} (${since.why})`);
      const result = await this.api.recoverFailedDeliveries({ since: since.from, until, endpointId });
      // A window is covered only when every retry went: a refused one must be tried by the next run.
      if (result.failed.length === 0) {
        await this.store.recordTime?.(coveredKey, until.getTime(), COVERED_SECONDS);
      }
      const summary = `Recovery at startup: ${result.retried} of ${result.toRetry} failed message(s) retried, ${result.scanned} attempt(s) scanned`;
      if (result.failed.length > 0) {
        const failed = result.failed.map(({ messageId, error }) => `${printable(messageId)}: ${errorMessage(error)}`).join('; ');
        this.logger.error(`${summary}; ${result.failed.length} retry(ies) refused: ${failed}`);
      } else {
        this.logger.log(summary);
      }
    } finally {
      await this.store.release(this.lockKey).catch(() => undefined);
    }
  }

  /**
   * Where the window starts: the last accepted delivery (less a margin), or `lookbackHours` back
   * when none is remembered; never before the end of the last run's window of the same endpoint
   * (less a minute), a run some of whose retries were refused covering none.
   */
  private async since(until: Date, lookbackHours: number, coveredKey: string): Promise<{ from: Date; why: string }> {
    const [accepted, covered] = await Promise.all([this.lastAccepted.recalled(), this.store.recordedTime?.(coveredKey)]);
    const fromAccepted = accepted === undefined ? until.getTime() - lookbackHours * HOUR_MS : accepted - ACCEPTED_MARGIN_MS;
    if (covered !== undefined && covered - COVERED_MARGIN_MS > fromAccepted) {
      return { from: new Date(covered - COVERED_MARGIN_MS), why: 'the end of the last recovery, less 1 min' };
    }
    const why = accepted === undefined ? `${lookbackHours} h back, no accepted delivery being remembered` : 'the last accepted delivery, less 10 min';
    return { from: new Date(fromAccepted), why };
  }
}
