import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  type BeforeApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { WazapinHandlerFailure } from '../events/wazapin-handler.interface.js';
import { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import { WazapinDeliveryQueue } from '../queue/wazapin-delivery.queue.js';
import { OutageLog } from '../utils/outage-log.js';
import { errorMessage, errorStack } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import { settleWithin } from '../utils/settle-within.js';
import { WazapinWebhooksConfig } from '../wazapin-webhooks.config.js';
import { WAZAPIN_IDEMPOTENCY_STORE } from '../wazapin-webhooks.constants.js';
import { dedupeKeys } from './dedupe-keys.js';
import { HandlerLedger } from './handler-ledger.js';
import { resolveEventType } from './event-type.resolver.js';
import type { VerifiedDelivery } from './verified-delivery.interface.js';

/** What the webhook route answers with a 2xx. */
export interface WazapinWebhookReceipt {
  received: true;
  /** Set when this delivery was already handled and its handlers did not run again. */
  duplicate?: true;
}

const RECEIVED: WazapinWebhookReceipt = { received: true };
const DUPLICATE: WazapinWebhookReceipt = { received: true, duplicate: true };

function parseBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestException('Webhook body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestException('Webhook body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * The receiving path after verification: parse, resolve the event type, claim the delivery's
 * dedupe keys, then hand the event to the handlers as the dispatch mode says.
 */
@Injectable()
export class WazapinWebhookReceiver implements BeforeApplicationShutdown {
  private readonly logger = new Logger('WazapinWebhooks');
  /** Background dispatches running, with their event. */
  private readonly inFlight = new Map<Promise<void>, WazapinEvent>();
  private readonly storeOutage = new OutageLog(this.logger, 'Idempotency store');
  /** Types the payload's shape decided, each said once. */
  private readonly guessedTypes = new Set<string>();

  constructor(
    private readonly config: WazapinWebhooksConfig,
    private readonly dispatcher: WazapinEventDispatcher,
    @Inject(WAZAPIN_IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    private readonly queue: WazapinDeliveryQueue,
    private readonly ledger: HandlerLedger,
  ) {}

  async receive(delivery: VerifiedDelivery, pathType?: string): Promise<WazapinWebhookReceipt> {
    const headerName = this.config.eventTypeHeader;
    const resolved = resolveEventType({
      body: parseBody(delivery.body),
      pathType,
      headerType: headerName ? delivery.headers[headerName] : undefined,
    });
    if (resolved.source === 'shape') {
      this.warnGuessed(resolved.type);
    }
    const event: WazapinEvent = {
      id: delivery.id,
      type: resolved.type,
      typeSource: resolved.source,
      timestamp: delivery.timestamp,
      receivedAt: new Date(),
      payload: resolved.payload,
      headers: delivery.headers,
    };
    const keys = await this.claim(dedupeKeys(delivery.id, resolved.type, resolved.payload));
    if (keys === 'done') {
      return DUPLICATE;
    }
    if (this.config.dispatch === 'queue') {
      await this.enqueue(event, keys);
    } else if (this.config.dispatch === 'inline') {
      await this.dispatchInline(event, keys);
    } else {
      this.track(event, this.dispatchInBackground(event, keys));
    }
    return RECEIVED;
  }

  /** Resolves once no `background` dispatch is running, including those started meanwhile. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight.keys()]);
    }
  }

  /** Lets handlers started in `background` mode finish before the app closes, for at most `shutdownTimeoutMs`. */
  async beforeApplicationShutdown(): Promise<void> {
    if (await settleWithin([...this.inFlight.keys()], this.config.shutdownTimeoutMs)) {
      return;
    }
    const abandoned = [...this.inFlight.values()];
    this.logger.warn(
      `Shutting down with ${abandoned.length} background delivery(ies) still being handled after ${this.config.shutdownTimeoutMs} ms ` +
        `(shutdownTimeoutMs), abandoned: ${abandoned.map((event) => `${printable(event.type)} ${printable(event.id)}`).join(', ')}. ` +
        'Their claims expire after leaseSeconds; the platform had its 2xx, so it will not retry them.',
    );
  }

  private async dispatchInline(event: WazapinEvent, keys: string[]): Promise<void> {
    const failures = await this.runHandlers(event, await this.ledger.succeededBefore(event));
    if (failures?.length === 0) {
      await this.settle(keys, 'complete');
      return;
    }
    if (failures) {
      await this.ledger.recordPartial(event, failures);
    }
    await this.settle(keys, 'release');
    throw new InternalServerErrorException(`${failures?.length ?? 'Some'} handler(s) failed; the delivery will be retried`);
  }

  /** Acknowledges only once the queue holds the delivery; otherwise releases it for the retry. */
  private async enqueue(event: WazapinEvent, keys: string[]): Promise<void> {
    try {
      await this.queue.add(event);
    } catch (error) {
      await this.settle(keys, 'release');
      throw error;
    }
    await this.settle(keys, 'complete');
  }

  private async dispatchInBackground(event: WazapinEvent, keys: string[]): Promise<void> {
    const failures = await this.runHandlers(event);
    // A failed event is released so a retry or a manual redelivery can run it again.
    await this.settle(keys, failures?.length === 0 ? 'complete' : 'release');
  }

  /**
   * Runs the event's handlers but those in `skip`; resolves with the failures, or `undefined`
   * when dispatching itself failed, and never rejects, so neither a crash nor a claim left held
   * can follow from anything a handler does.
   */
  private async runHandlers(event: WazapinEvent, skip?: ReadonlySet<string>): Promise<readonly WazapinHandlerFailure[] | undefined> {
    try {
      return await this.dispatcher.dispatch(event, skip);
    } catch (error) {
      this.logger.error(`Dispatching ${printable(event.type)} delivery ${printable(event.id)} failed: ${errorMessage(error)}`, errorStack(error));
      return undefined;
    }
  }

  /** Said once per type: guessing from the shape is a last resort, and its rules can be wrong. */
  private warnGuessed(type: string): void {
    if (!this.guessedTypes.has(type)) {
      this.guessedTypes.add(type);
      this.logger.warn(
        `A delivery was typed ${type} from its payload's shape alone, a last resort that a payload change can fool. ` +
          `Name the type: one Wazapin endpoint per event type, posting to .../${type}, or the eventTypeHeader option.`,
      );
    }
  }

  private track(event: WazapinEvent, work: Promise<void>): void {
    this.inFlight.set(work, event);
    void work.finally(() => this.inFlight.delete(work));
  }

  /**
   * Claims every key, or none: on a conflict the keys already claimed are released. Returns
   * the claimed keys, or `'done'` when the delivery was handled before. A store failure answers
   * 503 so the platform retries, unless `failOpen` lets the delivery through unclaimed.
   */
  private async claim(keys: string[]): Promise<string[] | 'done'> {
    const claimed: string[] = [];
    try {
      for (const key of keys) {
        const claim = await this.store.claim(key, this.config.idempotencyLeaseSeconds);
        if (claim !== 'claimed') {
          await Promise.all(claimed.map((k) => this.store.release(k)));
          if (claim === 'processing') {
            throw new ConflictException('This delivery is being processed; retry later');
          }
          return 'done';
        }
        claimed.push(key);
      }
    } catch (error) {
      if (error instanceof ConflictException) {
        throw error;
      }
      return this.onStoreFailure(error);
    }
    this.storeOutage.recovered();
    return claimed;
  }

  private onStoreFailure(error: unknown): string[] {
    this.storeOutage.failed(error, this.config.failOpen ? 'dispatching without deduplication' : 'answering 503 until it recovers');
    if (this.config.failOpen) {
      return [];
    }
    throw new ServiceUnavailableException('Webhook deduplication store unavailable; retry later');
  }

  private async settle(keys: string[], action: 'complete' | 'release'): Promise<void> {
    try {
      await Promise.all(
        keys.map((key) =>
          action === 'complete' ? this.store.complete(key, this.config.idempotencyTtlSeconds) : this.store.release(key),
        ),
      );
    } catch (error) {
      // The lease expires by itself; a retry then runs the delivery again rather than losing it.
      this.logger.warn(`Could not ${action} dedupe keys of a delivery: ${errorMessage(error)}`);
    }
  }
}
