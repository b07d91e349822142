import type { WazapinEvent } from '../events/wazapin-event.interface.js';

/**
 * A delivery whose handlers still failed after their retries, kept to be replayed.
 *
 * @publicApi
 */
export interface WazapinDeadLetter {
  /** Its id in the dead letters (in `dispatch: 'queue'`, the BullMQ job id). */
  readonly id: string;
  /** The event, as its handlers got it. */
  readonly event: WazapinEvent;
  /** Names of the handlers that still fail (`OrdersHandler.onMessage`); a replay runs only these. */
  readonly handlers: readonly string[];
  /** The last error's message; when several handlers failed, each one's, by name (`A.run: …; B.run: …`). */
  readonly error: string;
  /** Runs made so far: `handlerRetries.attempts`, then one more per failed replay. */
  readonly attempts: number;
  /** When it last failed. */
  readonly failedAt: Date;
}

/**
 * One page of {@link WazapinDeadLetter}s, oldest first.
 *
 * @publicApi
 */
export interface WazapinDeadLetterList {
  readonly deadLetters: readonly WazapinDeadLetter[];
  /** Pass to `list({ cursor })` for the next page; absent on the last page. */
  readonly cursor?: string;
}

/**
 * Which page `WazapinDeadLetters.list` returns.
 *
 * @publicApi
 */
export interface WazapinDeadLetterListOptions {
  /** Dead letters per page, 1 to 1,000. Default 50. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

/**
 * How a replay went:
 * - `handled`: its handlers succeeded, and the dead letter is gone;
 * - `failed`: one still failed; the dead letter stays, with the new error and one more attempt;
 * - `queued`: `dispatch: 'queue'`: its job was moved back to the queue, for a worker to run;
 * - `missing`: there is no dead letter of this id (any more);
 * - `busy`: another replay of it is running, on this instance or another.
 *
 * @publicApi
 */
export type WazapinDeadLetterReplayOutcome = 'handled' | 'failed' | 'queued' | 'missing' | 'busy';

/**
 * The outcome of `WazapinDeadLetters.replay`.
 *
 * @publicApi
 */
export interface WazapinDeadLetterReplay {
  readonly id: string;
  readonly outcome: WazapinDeadLetterReplayOutcome;
  /** With `failed`: the error's message. */
  readonly error?: string;
}

/**
 * The outcome of `WazapinDeadLetters.replayAll`: how many of each.
 *
 * @publicApi
 */
export interface WazapinDeadLetterReplayAll {
  readonly handled: number;
  readonly failed: number;
  readonly queued: number;
}
