import { Inject, Injectable, Logger } from '@nestjs/common';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { WazapinHandlerFailure } from '../events/wazapin-handler.interface.js';
import { WazapinHandlerExplorer } from '../events/wazapin-handler.explorer.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import { errorMessage } from '../utils/error-message.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { WAZAPIN_IDEMPOTENCY_STORE, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import { dedupeNamespace } from './dedupe-keys.js';

const NONE: ReadonlySet<string> = new Set();

/**
 * Which handlers of an `inline` delivery already succeeded on an earlier attempt, so the
 * platform's retry after a partial failure runs only the others (a wildcard audit does not run
 * twice). Kept in the dedupe store, keyed by the delivery id, so a retry reaching another
 * instance knows too: an attempt where some handlers failed marks the delivery
 * `partial:<type>:<id>` and each handler that succeeded `handled:<type>:<id>:<handler>` (in the
 * delivery's dedupe namespace, as its claim is). On the way in, a delivery with two
 * or more handlers costs one lookup of its `partial:` key, and the handler keys are read only
 * when that is set. Needs a store with `isDone`; without it, or when the store fails, every
 * handler runs again (at least once).
 */
@Injectable()
export class HandlerLedger {
  private readonly logger = new Logger('WazapinWebhooks');

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    private readonly explorer: WazapinHandlerExplorer,
    @Inject(WAZAPIN_IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
  ) {}

  /** Names of the handlers of `event` that succeeded on an earlier attempt. */
  async succeededBefore(event: WazapinEvent): Promise<ReadonlySet<string>> {
    const names = this.names(event);
    if (!this.store.isDone || names.length < 2) {
      return NONE;
    }
    try {
      if (!(await this.store.isDone(partialKey(event)))) {
        return NONE;
      }
      const done = await Promise.all(names.map((name) => this.store.isDone!(handledKey(event, name))));
      return new Set(names.filter((_, index) => done[index]));
    } catch (error) {
      this.logger.warn(`Could not read which handlers of a delivery succeeded before, so all run again: ${errorMessage(error)}`);
      return NONE;
    }
  }

  /** Records the handlers of `event` that succeeded on an attempt where `failures` failed. */
  async recordPartial(event: WazapinEvent, failures: readonly WazapinHandlerFailure[]): Promise<void> {
    const failed = new Set(failures.map((failure) => failure.handler));
    const succeeded = this.names(event).filter((name) => !failed.has(name));
    if (!this.store.isDone || succeeded.length === 0) {
      return;
    }
    const ttl = this.options.idempotency.ttlSeconds;
    try {
      await Promise.all(succeeded.map((name) => this.store.complete(handledKey(event, name), ttl)));
      await this.store.complete(partialKey(event), ttl);
    } catch (error) {
      this.logger.warn(`Could not record which handlers of a delivery succeeded, so a retry runs them again: ${errorMessage(error)}`);
    }
  }

  private names(event: WazapinEvent): string[] {
    return this.explorer.handlersFor(event).map((handler) => handler.name);
  }
}

/** Keyed as the delivery's claim is: by its namespace, type and id. */
function partialKey(event: WazapinEvent): string {
  return `${dedupeNamespace(event.account, event.tenant)}partial:${event.type}:${event.id}`;
}

function handledKey(event: WazapinEvent, handler: string): string {
  return `${dedupeNamespace(event.account, event.tenant)}handled:${event.type}:${event.id}:${handler}`;
}
