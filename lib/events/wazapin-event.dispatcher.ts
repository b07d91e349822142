import { Injectable, Logger, Inject } from '@nestjs/common';
import { WAZAPIN_DEFAULT_ACCOUNT } from '../accounts/wazapin-account.js';
import { errorMessage, errorStack } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import type { HandlerTrace, WazapinTelemetry } from '../telemetry/wazapin-telemetry.interface.js';
import { WazapinWebhookEvents, WAZAPIN_OPTIONS, WAZAPIN_TELEMETRY } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { WazapinEventEmitter } from './wazapin-event-emitter.js';
import { WazapinHandlerTimeoutError } from './wazapin-handler-timeout.error.js';
import type { WazapinHandler } from './wazapin-handler.interface.js';
import type { WazapinEvent } from './wazapin-event.interface.js';
import type { WazapinHandlerFailure } from './wazapin-handler.interface.js';
import { WazapinHandlerExplorer } from './wazapin-handler.explorer.js';

/** Which account and tenant a delivery came for, in a log line; nothing for the default registration's. */
function whose({ account, tenant }: WazapinEvent): string {
  const named = account === WAZAPIN_DEFAULT_ACCOUNT ? [] : [`account ${account}`];
  const parts = tenant === undefined ? named : [...named, `tenant ${tenant}`];
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** Runs the handler in its trace. */
function invokeWithin(trace: HandlerTrace, handler: WazapinHandler, event: WazapinEvent): unknown {
  return trace.within(() => handler.invoke(event));
}

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
    @Inject(WAZAPIN_TELEMETRY) private readonly telemetry: WazapinTelemetry,
  ) {}

  /** How many handlers {@link dispatch} runs for `event` with `skip`. */
  countHandlers(event: WazapinEvent, skip?: ReadonlySet<string>): number {
    const all = this.explorer.handlersFor(event);
    return skip ? all.filter((handler) => !skip.has(handler.name)).length : all.length;
  }

  /** The names of the handlers of `event`, in the order they run. */
  handlerNames(event: WazapinEvent): string[] {
    return this.explorer.handlersFor(event).map((handler) => handler.name);
  }

  /**
   * Runs the handlers of `event`, except those named in `skip` (handlers that already
   * succeeded on an earlier attempt of a queued delivery). A handler that returns without a
   * promise has finished; only those that return one are raced against `handlerTimeoutMs`. Each
   * that succeeds is added to `succeeded` as it does, for a caller that must know before all
   * settle (background shutdown). `attempt` is the run's number, from 1, for its trace: each
   * handler runs in a span of its own, a child of the active one.
   */
  async dispatch(event: WazapinEvent, skip?: ReadonlySet<string>, succeeded?: Set<string>, attempt = 1): Promise<WazapinHandlerFailure[]> {
    if (!this.explorer.hasSpecificHandler(event.type)) {
      this.logUnhandledType(event.type);
    }
    const all = this.explorer.handlersFor(event);
    const handlers = skip ? all.filter((handler) => !skip.has(handler.name)) : all;
    // Per handler, in order: whether it failed, and with what.
    const failed: boolean[] = new Array<boolean>(handlers.length).fill(false);
    const errors: unknown[] = new Array<unknown>(handlers.length);
    const running: Promise<void>[] = [];
    handlers.forEach((handler, index) => {
      const trace = this.telemetry.handling(handler.name, event, attempt);
      const fail = (error: unknown) => {
        failed[index] = true;
        errors[index] = error;
        trace?.failed(error);
      };
      const done = (): void => {
        succeeded?.add(handler.name);
        trace?.succeeded();
      };
      try {
        const result = trace ? invokeWithin(trace, handler, event) : handler.invoke(event);
        if ((typeof result === 'object' && result !== null) || typeof result === 'function') {
          running.push(this.within(handler, result).then(done, fail));
        } else {
          done();
        }
      } catch (error) {
        fail(error);
      }
    });
    if (running.length > 0) {
      await Promise.all(running);
    }
    const failures: WazapinHandlerFailure[] = [];
    handlers.forEach((handler, index) => {
      if (failed[index]) {
        failures.push({ event, handler: handler.name, error: errors[index] });
      }
    });
    failures.forEach((failure) => this.report(failure));
    return failures;
  }

  /**
   * What a handler returned, awaited (a thenable is followed; so is a value whose `then` throws,
   * into a rejection), failed with a {@link WazapinHandlerTimeoutError} if it outlasts `handlerTimeoutMs`.
   */
  private within(handler: WazapinHandler, result: unknown): Promise<void> {
    const ms = this.options.handlerTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WazapinHandlerTimeoutError(handler.name, ms)), ms);
      // A handler that never settles must not hold the process open either.
      timer.unref();
      Promise.resolve(result).then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private report(failure: WazapinHandlerFailure): void {
    const { error, event, handler } = failure;
    this.logger.error(
      `Handler ${handler} failed on ${printable(event.type)} delivery ${printable(event.id)}${whose(event)}: ${errorMessage(error)}`,
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
