import { type BeforeApplicationShutdown, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import { printable } from '../utils/printable.js';
import { settleWithin } from '../utils/settle-within.js';
import type { DeliveryClaim } from './delivery-claim.interface.js';
import { runHandlers } from './run-handlers.js';
import type { WazapinDispatcher } from './wazapin-dispatcher.interface.js';

/**
 * `dispatch: 'background'`: the answer goes at once and the handlers run after it. A delivery
 * whose handlers failed is released, so a manual redelivery can run it again. App shutdown
 * waits for the handlers still running, for at most `shutdownTimeoutMs`; a delivery arriving
 * meanwhile is released and answered 503, since its handlers would be cut off after its 2xx.
 */
export class BackgroundDispatcher implements WazapinDispatcher, BeforeApplicationShutdown {
  private readonly logger = new Logger('WazapinWebhooks');
  /** Dispatches running, with their event. */
  private readonly inFlight = new Map<Promise<void>, WazapinEvent>();
  private closing = false;

  constructor(
    private readonly handlers: WazapinEventDispatcher,
    private readonly shutdownTimeoutMs: number,
  ) {}

  handOff(event: WazapinEvent, claim: DeliveryClaim): Promise<void> | void {
    if (this.closing) {
      return claim.release().then(() => {
        throw new ServiceUnavailableException('Shutting down; retry later');
      });
    }
    const work = this.run(event, claim);
    this.inFlight.set(work, event);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Resolves once no dispatch is running, including those started meanwhile. */
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
    const abandoned = [...this.inFlight.values()];
    this.logger.warn(
      `Shutting down with ${abandoned.length} background delivery(ies) still being handled after ${this.shutdownTimeoutMs} ms ` +
        `(shutdownTimeoutMs), abandoned: ${abandoned.map((event) => `${printable(event.type)} ${printable(event.id)}`).join(', ')}. ` +
        'Their claims expire after leaseSeconds; the platform had its 2xx, so it will not retry them.',
    );
  }

  private run(event: WazapinEvent, claim: DeliveryClaim): Promise<void> {
    return runHandlers(this.handlers, event, this.logger).then((failures) =>
      failures?.length === 0 ? claim.complete() : claim.release(failures !== undefined && failures.length < this.handlers.countHandlers(event)),
    );
  }
}
