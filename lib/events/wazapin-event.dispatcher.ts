import { Injectable, Logger, Inject } from '@nestjs/common';
import { errorMessage, errorStack } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import { WazapinWebhookEvents, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { WazapinEventEmitter } from './wazapin-event-emitter.js';
import { WazapinHandlerTimeoutError } from './wazapin-handler-timeout.error.js';
import type { WazapinHandler } from './wazapin-handler.interface.js';
import type { WazapinEvent } from './wazapin-event.interface.js';
import type { WazapinHandlerFailure } from './wazapin-handler.interface.js';
import { WazapinHandlerExplorer } from './wazapin-handler.explorer.js';

/** Distinct unhandled event types logged; the set is bounded, since the path names the type. */
const UNHANDLED_TYPES_LOGGED = 500;

/**
 * Runs every handler of an event concurrently. One handler failing does not stop the others;
 * each failure is logged, emitted as {@link WazapinWebhookEvents.HandlerFailed} when the app has
 * an `EventEmitter2`, and returned. Never throws, whatever a handler throws or a listener does.
 */
@Injectable()
export class WazapinEventDispatcher {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly unhandledTypesLogged = new Set<string>();

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    private readonly explorer: WazapinHandlerExplorer,
    private readonly events: WazapinEventEmitter,
  ) {}

  /**
   * Runs the handlers of `event`, except those named in `skip` (handlers that already
   * succeeded on an earlier attempt of a queued delivery).
   */
  async dispatch(event: WazapinEvent, skip?: ReadonlySet<string>): Promise<WazapinHandlerFailure[]> {
    if (!this.explorer.hasSpecificHandler(event.type)) {
      this.logUnhandledType(event.type);
    }
    const all = this.explorer.handlersFor(event.type);
    const handlers = skip ? all.filter((handler) => !skip.has(handler.name)) : all;
    const results = await Promise.allSettled(handlers.map((handler) => this.run(handler, event)));
    const failures: WazapinHandlerFailure[] = [];
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        failures.push({ event, handler: handlers[index].name, error: result.reason });
      }
    });
    failures.forEach((failure) => this.report(failure));
    return failures;
  }

  /** The handler's run, failed with a {@link WazapinHandlerTimeoutError} if it outlasts `handlerTimeoutMs`. */
  private run(handler: WazapinHandler, event: WazapinEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WazapinHandlerTimeoutError(handler.name, this.options.handlerTimeoutMs)), this.options.handlerTimeoutMs);
      // A handler that never settles must not hold the process open either.
      timer.unref();
    });
    return Promise.race([handler.invoke(event), timeout]).finally(() => clearTimeout(timer));
  }

  private report(failure: WazapinHandlerFailure): void {
    const { error, event, handler } = failure;
    this.logger.error(
      `Handler ${handler} failed on ${printable(event.type)} delivery ${printable(event.id)}: ${errorMessage(error)}`,
      errorStack(error),
    );
    this.events.emit(WazapinWebhookEvents.HandlerFailed, failure);
  }

  /** Logged once per type (for the first few hundred types), so a storm of one does not flood the log. */
  private logUnhandledType(type: string): void {
    if (!this.unhandledTypesLogged.has(type) && this.unhandledTypesLogged.size < UNHANDLED_TYPES_LOGGED) {
      this.unhandledTypesLogged.add(type);
      this.logger.warn(`No @OnWazapinEvent handler for event type "${printable(type)}"; only wildcard handlers ran`);
    }
  }
}
