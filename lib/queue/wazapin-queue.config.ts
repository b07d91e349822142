import { WAZAPIN_DEFAULT_ACCOUNT } from '../accounts/wazapin-account.js';
import { checkNumber } from '../utils/check-number.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import type { WazapinRedisConnection } from '../redis/wazapin-redis-connection.interface.js';
import type { WazapinKeepJobs, WazapinQueueBackoff, WazapinQueueOptions, WazapinQueueWorkerOptions } from './wazapin-queue-options.interface.js';

/** Queue settings with defaults applied. */
export interface ResolvedWazapinQueueOptions {
  readonly connection?: WazapinRedisConnection;
  readonly name: string;
  readonly prefix?: string;
  readonly attempts: number;
  readonly backoff: WazapinQueueBackoff;
  readonly concurrency: number;
  readonly worker: boolean;
  readonly workerOptions: WazapinQueueWorkerOptions;
  /** `queue.headers` as given, when given. */
  readonly headers?: readonly string[];
  readonly removeOnComplete: WazapinKeepJobs;
  readonly removeOnFail: WazapinKeepJobs;
}

const DEFAULT_NAME = 'wazapin-webhooks';
const DEFAULT_ATTEMPTS = 10;
const DEFAULT_BACKOFF_MS = 2000;
const DEFAULT_CONCURRENCY = 10;
const DEFAULT_KEEP_COMPLETED: WazapinKeepJobs = { age: 24 * 3600, count: 10_000 };
const DEFAULT_KEEP_FAILED: WazapinKeepJobs = { age: 7 * 24 * 3600, count: 10_000 };

function resolveBackoff(backoff: number | WazapinQueueBackoff | undefined): WazapinQueueBackoff {
  const resolved = typeof backoff === 'object' ? backoff : { type: 'exponential', delay: backoff ?? DEFAULT_BACKOFF_MS };
  if (resolved.delay !== undefined) {
    checkNumber('queue.backoff', resolved.delay, 0, { atLeast: 0 });
  }
  return resolved;
}

function resolveHeaders(headers: readonly string[] | undefined): readonly string[] | undefined {
  if (headers !== undefined && (!Array.isArray(headers) || !headers.every((name) => typeof name === 'string' && name.trim() !== ''))) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: queue.headers must be an array of header names, got ${JSON.stringify(headers)}`);
  }
  return headers;
}

/**
 * Validates `dispatch: 'queue'` settings at startup and applies the defaults. The queue's name
 * defaults to `wazapin-webhooks`, and `wazapin-webhooks-<account>` for a named registration, so
 * each registration's workers take its own deliveries only.
 */
export function resolveQueueOptions(options: WazapinQueueOptions = {}, account = WAZAPIN_DEFAULT_ACCOUNT): ResolvedWazapinQueueOptions {
  const name = options.name ?? (account === WAZAPIN_DEFAULT_ACCOUNT ? DEFAULT_NAME : `${DEFAULT_NAME}-${account}`);
  if (typeof name !== 'string' || name.trim() === '') {
    throw new WazapinConfigurationError('WazapinWebhooksModule: queue.name must be a non-empty string');
  }
  return {
    connection: options.connection,
    name,
    prefix: options.prefix,
    attempts: checkNumber('queue.attempts', options.attempts, DEFAULT_ATTEMPTS, 'positive integer'),
    backoff: resolveBackoff(options.backoff),
    concurrency: checkNumber('queue.concurrency', options.concurrency, DEFAULT_CONCURRENCY, 'positive integer'),
    worker: options.worker ?? true,
    workerOptions: options.workerOptions ?? {},
    headers: resolveHeaders(options.headers),
    removeOnComplete: options.removeOnComplete ?? DEFAULT_KEEP_COMPLETED,
    removeOnFail: options.removeOnFail ?? DEFAULT_KEEP_FAILED,
  };
}
