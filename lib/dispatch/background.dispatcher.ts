import { type BeforeApplicationShutdown, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { StoredDeadLetters } from '../dead-letters/stored-dead-letters.js';
import type { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { WazapinHandlerFailure } from '../events/wazapin-handler.interface.js';
import { errorMessage } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import { settleWithin } from '../utils/settle-within.js';
import type { DeliveryClaim } from './delivery-claim.interface.js';
import { backoffMs, type ResolvedHandlerRetries } from './handler-retries.config.js';
import { runHandlers } from './run-handlers.js';
import type { WazapinDispatcher } from './wazapin-dispatcher.interface.js';

/** First wait before writing a dead letter again, while its store fails; doubled up to the next. */
const DEAD_LETTER_RETRY_MS = 1000;
const DEAD_LETTER_RETRY_MAX_MS = 30_000;

/** A delivery being handled in the background, from its first run to its last. */
class BackgroundDelivery {
  /** Handlers that succeeded on a run, as they did: never run again. */
  readonly succeeded = new Set<string>();
  /** What failed on the last run. */
  failures: readonly WazapinHandlerFailure[] = [];
  runs = 0;
  /** Whether its handlers are running now, rather than waiting for the next run. */
  running = false;
  /** Settled (handled, dead-lettered or released): nothing more is done for it. */
  settled = false;

  constructor(
    readonly event: WazapinEvent,
    readonly claim: DeliveryClaim,
  ) {}
}

/**
 * `dispatch: 'background'`: the answer goes at once and the handlers run after it. A handler
 * that fails runs again, alone, after a backoff, up to `handlerRetries.attempts` runs; one still
 * failing then makes the delivery a dead letter (`WazapinDeadLetters`), and its claim is
 * set aside (a copy is a duplicate): replay is the way to run it again. The claim is held meanwhile (its lease covers
 * every run), so a copy is answered 409. App shutdown waits for the deliveries still being
 * handled or waiting for their next run, for at most `shutdownTimeoutMs`, and dead-letters those
 * still pending then; a delivery arriving meanwhile is released and answered 503, since its
 * handlers would be cut off after its 2xx.
 */
export class BackgroundDispatcher implements WazapinDispatcher, BeforeApplicationShutdown {
  private readonly logger = new Logger('WazapinWebhooks');
  /** Deliveries not settled yet, by the promise of their work. */
  private readonly inFlight = new Map<Promise<void>, BackgroundDelivery>();
  private closing = false;

  constructor(
    private readonly handlers: WazapinEventDispatcher,
    private readonly deadLetters: StoredDeadLetters,
    private readonly retries: ResolvedHandlerRetries,
    private readonly shutdownTimeoutMs: number,
  ) {}

  handOff(event: WazapinEvent, claim: DeliveryClaim): Promise<void> | void {
    if (this.closing) {
      return claim.release().then(() => {
        throw new ServiceUnavailableException('Shutting down; retry later');
      });
    }
    const delivery = new BackgroundDelivery(event, claim);
    const work = this.run(delivery);
    this.inFlight.set(work, delivery);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Resolves once no delivery is being handled or waiting for a run, including those started meanwhile. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight.keys()]);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (await settleWithin([...this.inFlight.keys()], this.shutdownTimeoutMs)) {
      return;
    }
    const pending = [...this.inFlight.values()].filter((delivery) => !delivery.settled);
    this.logger.warn(
      `Shutting down with ${pending.length} background delivery(ies) still being handled or waiting for a retry after ` +
        `${this.shutdownTimeoutMs} ms (shutdownTimeoutMs), made dead letters: ` +
        pending.map(({ event }) => `${printable(event.type)} ${printable(event.id)}`).join(', '),
    );
    await Promise.all(pending.map((delivery) => this.deadLetter(delivery, true)));
  }

  private async run(delivery: BackgroundDelivery): Promise<void> {
    const { event, claim } = delivery;
    for (;;) {
      delivery.running = true;
      // The run skips the handlers that succeeded (read before any runs, so one set serves both),
      // and adds those that do as they do; a first run skips none, and filters nothing.
      const { succeeded } = delivery;
      const failures = await runHandlers(this.handlers, event, this.logger, succeeded.size > 0 ? succeeded : undefined, succeeded, delivery.runs + 1);
      delivery.running = false;
      delivery.runs++;
      if (delivery.settled) {
        return;
      }
      if (failures === undefined) {
        // Dispatching itself failed, which no retry mends: the claim goes back for a redelivery.
        delivery.settled = true;
        return claim.release(delivery.succeeded.size > 0);
      }
      if (failures.length === 0) {
        delivery.settled = true;
        return claim.complete();
      }
      delivery.failures = failures;
      if (delivery.runs >= this.retries.attempts) {
        return this.deadLetter(delivery, false);
      }
      await sleep(backoffMs(this.retries, delivery.runs));
      if (delivery.settled) {
        return;
      }
    }
  }

  /**
   * Keeps the delivery as a dead letter, then sets its claim aside (a copy is a duplicate; a
   * status update's rank is recorded only if some handler saw it): the platform had its 2xx, and
   * a replay is the way to run it again. While the store fails, tries again, until shutdown; a
   * letter still not written then (or that no JSON can hold) is logged as lost, and its claim
   * released.
   */
  private async deadLetter(delivery: BackgroundDelivery, shuttingDown: boolean): Promise<void> {
    delivery.settled = true;
    const { event, claim } = delivery;
    const failures =
      shuttingDown && delivery.running
        ? this.handlers
            .handlerNames(event)
            .filter((name) => !delivery.succeeded.has(name))
            .map((handler) => ({ event, handler, error: undefined }))
        : delivery.failures;
    const error = shuttingDown && delivery.running ? `still running when the app shut down, after shutdownTimeoutMs (${this.shutdownTimeoutMs} ms)` : undefined;
    // A run cut off by shutdown counts.
    const runs = delivery.running ? delivery.runs + 1 : delivery.runs;
    for (let wait = DEAD_LETTER_RETRY_MS; ; wait = Math.min(wait * 2, DEAD_LETTER_RETRY_MAX_MS)) {
      try {
        const kept = await this.deadLetters.keep(event, failures, runs, error);
        return kept ? claim.setAside(delivery.succeeded.size > 0) : claim.release(delivery.succeeded.size > 0);
      } catch (failure) {
        if (this.closing) {
          this.logger.error(
            `${printable(event.type)} delivery ${printable(event.id)} could not be made a dead letter before shutdown and is lost ` +
              `(its handlers ${failures.map((f) => f.handler).join(', ')} failed): ${errorMessage(failure)}`,
          );
          return claim.release(delivery.succeeded.size > 0);
        }
        this.logger.warn(`Could not keep a dead letter, trying again in ${wait} ms: ${errorMessage(failure)}`);
        await sleep(wait);
      }
    }
  }
}

/** A wait that does not hold the process open. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
