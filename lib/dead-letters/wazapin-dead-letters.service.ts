import { Inject, Injectable } from '@nestjs/common';
import { WAZAPIN_DEAD_LETTER_SOURCE } from '../wazapin-webhooks.constants.js';
import type { DeadLetterSource } from './dead-letter-source.interface.js';
import type {
  WazapinDeadLetterList,
  WazapinDeadLetterListOptions,
  WazapinDeadLetterReplay,
  WazapinDeadLetterReplayAll,
} from './wazapin-dead-letter.interface.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id === '' || id.length > 1000) {
    throw new TypeError(`WazapinDeadLetters: a dead letter id is a non-empty string, got ${typeof id === 'string' ? `${id.length} characters` : typeof id}`);
  }
  return id;
}

/**
 * The registration's dead letters: `background` deliveries whose handlers still failed after
 * `handlerRetries` (kept in memory, or in Redis beside a `RedisIdempotencyStore`), or in
 * `dispatch: 'queue'` the queue's failed jobs. List them, replay them once the cause is fixed,
 * or discard them. Nothing here is exposed over HTTP: put it behind the app's own auth (see the
 * README's controller example). Inject it by class for the default registration, with
 * `@InjectWazapinDeadLetters(name)` for a named one.
 *
 * @publicApi
 */
@Injectable()
export class WazapinDeadLetters {
  constructor(@Inject(WAZAPIN_DEAD_LETTER_SOURCE) private readonly source: DeadLetterSource) {}

  /** One page of dead letters, oldest first; pass its `cursor` for the next. */
  async list(options: WazapinDeadLetterListOptions = {}): Promise<WazapinDeadLetterList> {
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RangeError(`WazapinDeadLetters: limit must be an integer from 1 to ${MAX_LIMIT}, got ${String(options.limit)}`);
    }
    if (options.cursor !== undefined && typeof options.cursor !== 'string') {
      throw new TypeError(`WazapinDeadLetters: cursor must be the cursor of a page, got ${typeof options.cursor}`);
    }
    const { letters, cursor } = await this.source.page(limit, options.cursor);
    return cursor === undefined ? { deadLetters: letters } : { deadLetters: letters, cursor };
  }

  /** How many dead letters there are. */
  count(): Promise<number> {
    return this.source.count();
  }

  /**
   * Runs the handlers that failed once more: `handled` removes the dead letter, `failed` keeps it
   * with the new error. In `dispatch: 'queue'`, moves the job back to the queue (`queued`).
   */
  replay(id: string): Promise<WazapinDeadLetterReplay> {
    return this.source.replay(checkId(id));
  }

  /** Replays every dead letter there is when it starts, one at a time. */
  async replayAll(): Promise<WazapinDeadLetterReplayAll> {
    // Ids first: replaying changes the pages (in queue mode, the positions) under a walk.
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.source.page(MAX_LIMIT, cursor);
      ids.push(...page.letters.map((letter) => letter.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    const counts = { handled: 0, failed: 0, queued: 0 };
    for (const id of ids) {
      const { outcome } = await this.source.replay(id);
      if (outcome === 'handled' || outcome === 'failed' || outcome === 'queued') {
        counts[outcome]++;
      }
    }
    return counts;
  }

  /** Removes a dead letter without running it; resolves with whether there was one. */
  discard(id: string): Promise<boolean> {
    return this.source.discard(checkId(id));
  }
}
