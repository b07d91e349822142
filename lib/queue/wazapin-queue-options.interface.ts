import type { BackoffOptions, KeepJobs, WorkerOptions } from 'bullmq';
import type { WazapinRedisConnection } from '../redis/wazapin-redis-connection.js';

/** BullMQ worker settings the module lets through as they are (stall detection, rate limits, ...). */
export type WazapinQueueWorkerOptions = Omit<
  WorkerOptions,
  'connection' | 'concurrency' | 'prefix' | 'autorun' | 'name' | 'useWorkerThreads'
>;

/** Settings of `dispatch: 'queue'`, BullMQ under the hood (install `bullmq` and `ioredis`). */
export interface WazapinQueueOptions {
  /**
   * The Redis holding the queue. Omit it in an app that configures `@nestjs/bullmq`: the module
   * then uses the connection and prefix of the queue registered under {@link name}
   * (`BullModule.registerQueue`), else those of `BullModule.forRoot`.
   */
  connection?: WazapinRedisConnection;
  /** Queue name. Default `wazapin-webhooks`. */
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
  backoff?: number | BackoffOptions;
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
  removeOnComplete?: boolean | number | KeepJobs;
  /**
   * Jobs whose attempts are exhausted, kept with their error for a retry by hand. Default: 7 days,
   * at most 10,000 (BullMQ's `KeepJobs`); `false` keeps them for ever.
   */
  removeOnFail?: boolean | number | KeepJobs;
}
