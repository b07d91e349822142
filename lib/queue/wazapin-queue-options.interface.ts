import type { WazapinRedisConnection } from '../redis/wazapin-redis-connection.interface.js';

// The types below mirror BullMQ's, so that an app without bullmq still type-checks against
// this package's declarations.

/**
 * How long BullMQ waits before a rerun (BullMQ's `BackoffOptions`).
 *
 * @publicApi
 */
export interface WazapinQueueBackoff {
  type: 'fixed' | 'exponential' | (string & {});
  /** Milliseconds. */
  delay?: number;
  /** Share of the delay to randomise, 0 to 1. */
  jitter?: number;
}

/**
 * Finished jobs BullMQ keeps: all (`false`), none (`true`), the newest n, or by age in seconds
 * and count (BullMQ's `KeepJobs`).
 *
 * @publicApi
 */
export type WazapinKeepJobs = boolean | number | { count: number } | { age: number; count?: number; limit?: number };

/**
 * Further BullMQ worker settings (BullMQ's `WorkerOptions`, less those the module sets), passed
 * as they are: stall detection, lock renewal, rate limits, ...
 *
 * @publicApi
 */
export interface WazapinQueueWorkerOptions {
  lockDuration?: number;
  lockRenewTime?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  limiter?: { max: number; duration: number };
  drainDelay?: number;
  skipStalledCheck?: boolean;
  skipLockRenewal?: boolean;
  [setting: string]: unknown;
}

/**
 * Settings of `dispatch: 'queue'`, BullMQ under the hood (install `bullmq` and `ioredis`).
 *
 * @publicApi
 */
export interface WazapinQueueOptions {
  /**
   * The Redis holding the queue. Omit it in an app that configures `@nestjs/bullmq`: the module
   * then uses the connection and prefix of the queue registered under {@link name}
   * (`BullModule.registerQueue`), else those of `BullModule.forRoot`.
   */
  connection?: WazapinRedisConnection;
  /** Queue name. Default `wazapin-webhooks`, or `wazapin-webhooks-<name>` for a registration named `<name>`. */
  name?: string;
  /**
   * BullMQ key prefix. Default: the `@nestjs/bullmq` queue's, else BullMQ's (`bull`), or
   * `{wazapin}` on a Redis Cluster. On a Cluster it must hold a hash tag (`{…}`), so that every
   * key of the queue is in one slot as BullMQ's scripts need; boot fails otherwise.
   */
  prefix?: string;
  /** Runs of a delivery's handlers before its job is left failed. Default 10. */
  attempts?: number;
  /**
   * Wait before each rerun: milliseconds of exponential backoff (doubling each time), or
   * BullMQ's backoff options. Default 2000 ms exponential (2 s, 4 s, ... about 17 min in all).
   */
  backoff?: number | WazapinQueueBackoff;
  /** Jobs this instance runs at once. Default 10. */
  concurrency?: number;
  /**
   * Run a worker in this instance. Default `true`. Set `false` on instances that should only
   * receive and enqueue, with workers elsewhere.
   */
  worker?: boolean;
  /** Further BullMQ worker settings, e.g. `lockDuration`, `stalledInterval`, `limiter`. */
  workerOptions?: WazapinQueueWorkerOptions;
  /**
   * Request headers a job keeps, for handlers to read in `event.headers` (names case-insensitive);
   * the others never reach Redis, where jobs outlive the request. Default: `content-type`,
   * `user-agent`, `svix-id`, `svix-timestamp`, `webhook-id`, `webhook-timestamp`, and the module's
   * `eventTypeHeader` when set. A list given replaces the default. The signature headers
   * (`svix-signature`, `webhook-signature`) are never stored, even when listed.
   */
  headers?: readonly string[];
  /** Completed jobs kept for inspection. Default: 24 h, at most 10,000. */
  removeOnComplete?: WazapinKeepJobs;
  /**
   * Jobs whose attempts are exhausted, kept with their error for a retry by hand. Default: 7 days,
   * at most 10,000 (BullMQ's `KeepJobs`); `false` keeps them for ever.
   */
  removeOnFail?: WazapinKeepJobs;
}
