import { Inject, Injectable, Logger } from '@nestjs/common';
import { type MessageReader, withFetchMessage } from '../events/message-fetch.js';
import { WazapinEventEmitter } from '../events/wazapin-event-emitter.js';
import { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { WazapinHandlerFailure } from '../events/wazapin-handler.interface.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import { fromQueuedDelivery, toQueuedDelivery } from '../queue/queued-delivery.js';
import { storedHeaderNames } from '../queue/stored-headers.js';
import { dedupeNamespace } from '../receiving/dedupe-keys.js';
import { errorMessage } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import {
  WAZAPIN_DEAD_LETTER_STORE,
  WAZAPIN_IDEMPOTENCY_STORE,
  WAZAPIN_MESSAGE_READER,
  WAZAPIN_OPTIONS,
  WazapinWebhookEvents,
} from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { newDeadLetterId } from './dead-letter-id.js';
import type { DeadLetterSource } from './dead-letter-source.interface.js';
import type { DeadLetterStore, StoredDeadLetter } from './dead-letter-store.interface.js';
import type { WazapinDeadLetter, WazapinDeadLetterReplay } from './wazapin-dead-letter.interface.js';

/** How much longer than one run of the handlers a replay holds its lock. */
const REPLAY_LOCK_MARGIN_SECONDS = 30;

/** The message of what failed: the error's, or each failing handler's by name when several failed. */
export function failuresMessage(failures: readonly WazapinHandlerFailure[]): string {
  return failures.length === 1
    ? errorMessage(failures[0].error)
    : failures.map(({ handler, error }) => `${handler}: ${errorMessage(error)}`).join('; ');
}

/**
 * The dead letters of a `background` (or `inline`) registration, in its {@link DeadLetterStore}:
 * kept here when their handlers still fail after their retries, and replayed here, one replay
 * of a letter at a time across the fleet (a lock in the idempotency store).
 */
@Injectable()
export class StoredDeadLetters implements DeadLetterSource {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly headerNames: readonly string[];
  private readonly replayLockSeconds: number;
  private readonly namespace: string;

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    @Inject(WAZAPIN_DEAD_LETTER_STORE) private readonly store: DeadLetterStore,
    @Inject(WAZAPIN_IDEMPOTENCY_STORE) private readonly locks: IdempotencyStore,
    private readonly handlers: WazapinEventDispatcher,
    private readonly events: WazapinEventEmitter,
    @Inject(WAZAPIN_MESSAGE_READER) private readonly messages: MessageReader,
  ) {
    this.headerNames = storedHeaderNames(undefined, options.eventTypeHeader);
    this.replayLockSeconds = Math.ceil(options.handlerTimeoutMs / 1000) + REPLAY_LOCK_MARGIN_SECONDS;
    this.namespace = dedupeNamespace(options.account);
  }

  /**
   * Keeps `event`, whose handlers named in `failures` still failed after `attempts` runs, and
   * emits it as {@link WazapinWebhookEvents.DeadLettered}. Rejects when the store does; resolves
   * `false`, having logged why, for an event no JSON can hold (a payload nested too deeply).
   */
  async keep(event: WazapinEvent, failures: readonly WazapinHandlerFailure[], attempts: number, error = failuresMessage(failures)): Promise<boolean> {
    const letter: StoredDeadLetter = {
      id: newDeadLetterId(),
      event: toQueuedDelivery(event, this.headerNames),
      handlers: [...new Set(failures.map((failure) => failure.handler))],
      error,
      attempts,
      failedAt: new Date().toISOString(),
    };
    let json: string;
    try {
      json = JSON.stringify(letter);
    } catch {
      this.logger.error(
        `${printable(event.type)} delivery ${printable(event.id)} failed after ${attempts} run(s) and cannot be a dead letter: its payload is nested too deeply to serialise`,
      );
      return false;
    }
    const dropped = await this.store.add(letter.id, json);
    this.logger.error(
      `${printable(event.type)} delivery ${printable(event.id)} is a dead letter (${letter.id}) after ${attempts} run(s) of ${letter.handlers.join(', ')}: ${error}`,
    );
    if (dropped > 0) {
      this.logger.warn(
        `Dead letters are full (deadLetters.maxEntries ${this.options.deadLetters.maxEntries}, or 64 MiB in memory): dropped the ${dropped} oldest`,
      );
    }
    this.events.emit(WazapinWebhookEvents.DeadLettered, this.toDeadLetter(letter));
    return true;
  }

  async page(limit: number, cursor?: string): Promise<{ letters: WazapinDeadLetter[]; cursor?: string }> {
    const letters = await this.store.page(limit + 1, cursor);
    const more = letters.length > limit;
    return { letters: letters.slice(0, limit).map((letter) => this.toDeadLetter(letter)), cursor: more ? letters[limit - 1].id : undefined };
  }

  count(): Promise<number> {
    return this.store.count();
  }

  discard(id: string): Promise<boolean> {
    return this.store.remove(id);
  }

  async replay(id: string): Promise<WazapinDeadLetterReplay> {
    const lock = `${this.namespace}dead-letter-replay:${id}`;
    if ((await this.locks.claim(lock, this.replayLockSeconds)) !== 'claimed') {
      return { id, outcome: 'busy' };
    }
    try {
      return await this.replayLocked(id);
    } finally {
      await this.locks.release(lock).catch(() => undefined);
    }
  }

  private async replayLocked(id: string): Promise<WazapinDeadLetterReplay> {
    const letter = await this.store.get(id);
    if (!letter) {
      return { id, outcome: 'missing' };
    }
    const event = this.toEvent(letter);
    const failing = new Set(letter.handlers);
    const names = this.handlers.handlerNames(event);
    if (!names.some((name) => failing.has(name))) {
      const error = `none of its handlers (${letter.handlers.join(', ')}) is in the app any more; discard it, or bring one back`;
      return { id, outcome: 'failed', error };
    }
    // The replay is the letter's next run, as its trace says.
    const failures = await this.handlers.dispatch(event, new Set(names.filter((name) => !failing.has(name))), undefined, letter.attempts + 1);
    if (failures.length === 0) {
      await this.store.remove(id);
      return { id, outcome: 'handled' };
    }
    const error = failuresMessage(failures);
    const failed: StoredDeadLetter = {
      ...letter,
      handlers: failures.map((failure) => failure.handler),
      error,
      attempts: letter.attempts + 1,
      failedAt: new Date().toISOString(),
    };
    await this.store.replace(id, JSON.stringify(failed));
    return { id, outcome: 'failed', error };
  }

  private toEvent(letter: StoredDeadLetter): WazapinEvent {
    return withFetchMessage(fromQueuedDelivery(letter.event, this.options.account), this.messages);
  }

  private toDeadLetter(letter: StoredDeadLetter): WazapinDeadLetter {
    return {
      id: letter.id,
      event: this.toEvent(letter),
      handlers: letter.handlers,
      error: letter.error,
      attempts: letter.attempts,
      failedAt: new Date(letter.failedAt),
    };
  }
}
