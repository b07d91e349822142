import type { Logger } from '@nestjs/common';
import type { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { WazapinHandlerFailure } from '../events/wazapin-handler.interface.js';
import { errorMessage, errorStack } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';

/**
 * Runs the event's handlers but those in `skip`, adding to `succeeded` each that succeeds as it
 * does, as the `attempt`-th run; resolves with the failures, or `undefined`
 * when dispatching itself failed, and never rejects, so neither a crash nor a claim left held
 * can follow from anything a handler does.
 */
export function runHandlers(
  handlers: WazapinEventDispatcher,
  event: WazapinEvent,
  logger: Logger,
  skip?: ReadonlySet<string>,
  succeeded?: Set<string>,
  attempt?: number,
): Promise<readonly WazapinHandlerFailure[] | undefined> {
  const failed = (error: unknown) => {
    logger.error(`Dispatching ${printable(event.type)} delivery ${printable(event.id)} failed: ${errorMessage(error)}`, errorStack(error));
    return undefined;
  };
  return handlers.dispatch(event, skip, succeeded, attempt).then(undefined, failed);
}
