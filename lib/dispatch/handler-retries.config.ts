import type { WazapinDispatchMode } from '../interfaces/wazapin-webhooks-options.interface.js';
import { checkNumber } from '../utils/check-number.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';

/**
 * How `dispatch: 'background'` runs a failed handler again in the process (the platform had its
 * 2xx, so it never will): only the handlers that failed, after a backoff.
 *
 * @publicApi
 */
export interface WazapinHandlerRetryOptions {
  /** Runs in all, the first included; `1` retries nothing. Default 3. */
  attempts?: number;
  /** The wait before the second run, doubled for each run after it. Default 1,000 ms. */
  backoffMs?: number;
  /** Longest wait between two runs. Default 60,000 ms. */
  maxBackoffMs?: number;
}

/** `handlerRetries`, defaults applied. */
export interface ResolvedHandlerRetries {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * `handlerRetries`, checked: a positive integer of attempts and positive waits, in background
 * mode only, where nothing else retries (inline has the platform's retries, queue BullMQ's).
 */
export function resolveHandlerRetries(
  options: WazapinHandlerRetryOptions | undefined,
  dispatch: WazapinDispatchMode,
): ResolvedHandlerRetries | undefined {
  if (dispatch !== 'background') {
    if (options !== undefined) {
      const instead = dispatch === 'queue' ? 'queue.attempts and queue.backoff retry queued deliveries' : "the platform retries a delivery answered 5xx";
      throw new WazapinConfigurationError(`WazapinWebhooksModule: handlerRetries is for dispatch: 'background' only; with dispatch: '${dispatch}', ${instead}`);
    }
    return undefined;
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: handlerRetries must be an object, got ${String(options)}`);
  }
  const backoffMs = checkNumber('handlerRetries.backoffMs', options?.backoffMs, 1000, 'positive');
  return Object.freeze({
    attempts: checkNumber('handlerRetries.attempts', options?.attempts, 3, 'positive integer'),
    backoffMs,
    maxBackoffMs: checkNumber('handlerRetries.maxBackoffMs', options?.maxBackoffMs, Math.max(60_000, backoffMs), { atLeast: backoffMs }),
  });
}

/** The longest wait before run `run + 1` (`run` from 1): doubled each time, up to the bound. */
export function longestBackoffMs({ backoffMs, maxBackoffMs }: ResolvedHandlerRetries, run: number): number {
  return Math.min(maxBackoffMs, backoffMs * 2 ** (run - 1));
}

/** The wait before run `run + 1`: a random point of the upper half of the longest, so failed deliveries don't retry in step. */
export function backoffMs(retries: ResolvedHandlerRetries, run: number): number {
  const longest = longestBackoffMs(retries, run);
  return longest / 2 + Math.random() * (longest / 2);
}

/** The longest all the waits between the runs can take. */
export function totalBackoffMs(retries: ResolvedHandlerRetries): number {
  let total = 0;
  for (let run = 1; run < retries.attempts; run++) {
    const longest = longestBackoffMs(retries, run);
    if (longest === retries.maxBackoffMs) {
      // Every wait from here is the bound: no need to count them one by one (attempts may be large).
      return total + longest * (retries.attempts - run);
    }
    total += longest;
  }
  return total;
}
