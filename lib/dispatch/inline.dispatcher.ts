import { InternalServerErrorException, Logger } from '@nestjs/common';
import type { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { HandlerLedger } from '../receiving/handler-ledger.js';
import type { DeliveryClaim } from './delivery-claim.interface.js';
import { runHandlers } from './run-handlers.js';
import type { WazapinDispatcher } from './wazapin-dispatcher.interface.js';

/**
 * `dispatch: 'inline'`: the handlers run before the answer. When one fails the delivery is
 * released and answered 500, so the platform retries it; the retry skips the handlers that
 * succeeded (see {@link HandlerLedger}).
 */
export class InlineDispatcher implements WazapinDispatcher {
  private readonly logger = new Logger('WazapinWebhooks');

  constructor(
    private readonly handlers: WazapinEventDispatcher,
    private readonly ledger: HandlerLedger,
  ) {}

  async handOff(event: WazapinEvent, claim: DeliveryClaim): Promise<void> {
    const skip = await this.ledger.succeededBefore(event);
    const failures = await runHandlers(this.handlers, event, this.logger, skip);
    if (failures?.length === 0) {
      await claim.complete();
      return;
    }
    if (failures) {
      await this.ledger.recordPartial(event, failures);
    }
    await claim.release(failures !== undefined && (skip.size > 0 || failures.length < this.handlers.countHandlers(event, skip)));
    throw new InternalServerErrorException(`${failures?.length ?? 'Some'} handler(s) failed; the delivery will be retried`);
  }
}
