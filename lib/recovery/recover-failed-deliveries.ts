import type { ListWazapinDeliveriesQueryDto } from '../api/dto/list-deliveries-query.dto.js';
import type { RetryWazapinDeliveryDto } from '../api/dto/retry-delivery.dto.js';
import type { WazapinDelivery, WazapinDeliveryRetry } from '../api/interfaces/wazapin-delivery.interface.js';
import { WazapinApiError } from '../api/wazapin-api.error.js';
import { WazapinValidationError } from '../api/wazapin-validation.error.js';
import { isEventTypeName } from '../events/event-type-name.js';
import type { WazapinRecoveryOptions, WazapinRecoveryProgress, WazapinRecoveryResult } from './wazapin-recovery.interface.js';

/** What recovery calls on the API client. */
export interface DeliveriesApi {
  iterateDeliveries(query: Omit<ListWazapinDeliveriesQueryDto, 'cursor'>): AsyncIterable<WazapinDelivery>;
  retryDelivery(messageId: string, input?: RetryWazapinDeliveryDto): Promise<WazapinDeliveryRetry>;
}

const OPERATION = 'recoverFailedDeliveries';
/** Svix pages hold up to 250; 100 is within what any variant of the API takes. */
const PAGE_SIZE = 100;
const MAX_CONCURRENCY = 32;
/** A retry answered 429 waits its Retry-After (at most this long) and goes again, this many times. */
const MAX_RATE_LIMIT_WAIT_MS = 5 * 60_000;
const RATE_LIMIT_TRIES = 5;

interface Checked {
  readonly since: Date;
  readonly until?: Date;
  readonly endpointId?: string;
  readonly eventTypes?: ReadonlySet<string>;
  readonly concurrency: number;
}

const RECOVERY_OPTIONS: ReadonlySet<string> = new Set<keyof WazapinRecoveryOptions>([
  'since',
  'until',
  'endpointId',
  'eventTypes',
  'concurrency',
  'dryRun',
  'onProgress',
]);

function check(options: WazapinRecoveryOptions): Checked {
  const fields: Record<string, string[]> = {};
  const isDate = (value: unknown) => value instanceof Date && !Number.isNaN(value.getTime());
  if (typeof options !== 'object' || options === null || !isDate(options.since)) {
    throw new WazapinValidationError(OPERATION, { since: ['since must be a valid Date'] });
  }
  const { since, until, endpointId, eventTypes, concurrency = 4 } = options;
  // A misspelt option (`dryrun`) must not go unnoticed: it would send real retries.
  for (const key of Object.keys(options)) {
    if (!RECOVERY_OPTIONS.has(key)) {
      fields[key] = [`${key} is not an option of recoverFailedDeliveries (${[...RECOVERY_OPTIONS].join(', ')})`];
    }
  }
  if (until !== undefined && (!isDate(until) || until.getTime() <= since.getTime())) {
    fields.until = ['until must be a valid Date after since'];
  }
  if (endpointId !== undefined && (typeof endpointId !== 'string' || endpointId === '')) {
    fields.endpointId = ['endpointId must be a non-empty string'];
  }
  if (eventTypes !== undefined && (!Array.isArray(eventTypes) || eventTypes.some((type) => typeof type !== 'string' || !isEventTypeName(type)))) {
    fields.eventTypes = ['eventTypes must be an array of event type names'];
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    fields.concurrency = [`concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`];
  }
  if (Object.keys(fields).length > 0) {
    throw new WazapinValidationError(OPERATION, fields);
  }
  return { since, until, endpointId, eventTypes: eventTypes && new Set(eventTypes), concurrency };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The failed deliveries of a window, each retried once: its newest failed attempt in the window
 * counts unless a later attempt of the same message (and endpoint) succeeded. Two walks of the
 * deliveries list, failed attempts in the window and successful ones since its start, then the
 * retries, `concurrency` at a time; a 429 pauses every retry for its Retry-After.
 */
export async function recoverFailedDeliveries(api: DeliveriesApi, options: WazapinRecoveryOptions): Promise<WazapinRecoveryResult> {
  const { since, until, endpointId, eventTypes, concurrency } = check(options);
  let scanned = 0;
  let retried = 0;
  const failed: { messageId: string; error: Error }[] = [];
  let toRetry = 0;
  const report = (phase: WazapinRecoveryProgress['phase']) =>
    reportProgress(options.onProgress, { phase, scanned, toRetry, retried, failed: failed.length });

  /** Per message (and endpoint, when one is given), the newest failed and successful attempt times. */
  const newestFailed = new Map<string, number>();
  const newestSuccess = new Map<string, number>();
  const walk = async (status: 'failed' | 'success', range: { since: Date; until?: Date }, into: Map<string, number>) => {
    for await (const attempt of api.iterateDeliveries({ status, endpoint_id: endpointId, limit: PAGE_SIZE, ...range })) {
      // Once per page read.
      if (++scanned % PAGE_SIZE === 0) {
        report('scanning');
      }
      if (eventTypes && !eventTypes.has(attempt.event_type ?? '')) {
        continue;
      }
      const at = Date.parse(attempt.timestamp);
      const previous = into.get(attempt.message_id);
      if (previous === undefined || at > previous) {
        into.set(attempt.message_id, at);
      }
    }
  };
  await walk('failed', { since, until }, newestFailed);
  await walk('success', { since }, newestSuccess);
  const messages = [...newestFailed].filter(([id, at]) => !((newestSuccess.get(id) ?? -Infinity) > at)).map(([id]) => id);
  toRetry = messages.length;
  report('scanning');
  if (options.dryRun) {
    return { scanned, toRetry, retried, failed };
  }

  let pausedUntil = 0;
  const retry = async (messageId: string) => {
    for (let tries = 1; ; tries++) {
      const wait = pausedUntil - Date.now();
      if (wait > 0) {
        await sleep(wait);
      }
      try {
        await api.retryDelivery(messageId, endpointId === undefined ? {} : { endpoint_id: endpointId });
        retried++;
        report('retrying');
        return;
      } catch (error) {
        if (error instanceof WazapinApiError && error.status === 429 && tries < RATE_LIMIT_TRIES) {
          pausedUntil = Math.max(pausedUntil, Date.now() + Math.min(MAX_RATE_LIMIT_WAIT_MS, (error.retryAfterSeconds ?? 1) * 1000));
          continue;
        }
        failed.push({ messageId, error: error instanceof Error ? error : new Error(String(error)) });
        report('retrying');
        return;
      }
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, messages.length) }, async () => {
      while (next < messages.length) {
        await retry(messages[next++]);
      }
    }),
  );
  return { scanned, toRetry, retried, failed };
}

/**
 * Calls the caller's `onProgress`, whose failure, thrown or rejected (an async callback), must
 * neither stop the recovery half-way nor reach the process as an unhandled rejection.
 */
function reportProgress(onProgress: WazapinRecoveryOptions['onProgress'], progress: WazapinRecoveryProgress): void {
  try {
    const returned: unknown = onProgress?.(progress);
    if (returned instanceof Promise) {
      returned.catch(() => undefined);
    }
  } catch {
    // The progress callback is the caller's; the recovery goes on without it.
  }
}
