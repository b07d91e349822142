import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, Inject } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, Worker } from 'bullmq';
import { type MessageReader, withFetchMessage } from '../events/message-fetch.js';
import { WazapinEventEmitter } from '../events/wazapin-event-emitter.js';
import { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import { WazapinHandlerExplorer } from '../events/wazapin-handler.explorer.js';
import { closeRedisClient, createRedisClient, type RedisClient } from '../redis/wazapin-redis-connection.js';
import { OutageLog } from '../utils/outage-log.js';
import { printable } from '../utils/printable.js';
import { settleWithin } from '../utils/settle-within.js';
import { errorMessage } from '../utils/error-message.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import type { StatusOrder } from '../status-order/status-order.js';
import type { WazapinTelemetry } from '../telemetry/wazapin-telemetry.interface.js';
import { WazapinWebhookEvents, WAZAPIN_MESSAGE_READER, WAZAPIN_OPTIONS, WAZAPIN_STATUS_ORDER, WAZAPIN_TELEMETRY } from '../wazapin-webhooks.constants.js';
import { type BullMQ, loadBullMQ } from './load-bullmq.js';
import { resolveQueueConnection } from './queue-connection.js';
import { QueuedDeadLetters } from './queued-dead-letters.js';
import { deliveryJobId, fromQueuedDelivery, type WazapinQueuedDelivery } from './queued-delivery.js';
import type { WazapinQueueJobFailure } from './wazapin-queue-failure.interface.js';

const SHUTDOWN_POLL_MS = 20;
/** How long a status update waits in the queue while another of its message is handled. */
const BUSY_STATUS_DELAY_MS = 1000;
/** How long it waits while the store that orders it cannot be reached: an outage spends no attempt. */
const STORE_DOWN_DELAY_MS = 5000;
/** How long shutdown waits, once handlers are done, for BullMQ to record their jobs' outcome. */
const RECORD_TIMEOUT_MS = 5000;

/**
 * The consumer side of `dispatch: 'queue'`, in every instance that runs a worker: takes
 * deliveries off the queue and runs their handlers. A failed handler fails the job so BullMQ
 * retries it with backoff; a retry runs only the handlers that have not succeeded yet.
 */
@Injectable()
export class WazapinDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly outage = new OutageLog(this.logger, 'Webhook queue worker');
  private worker?: Worker<WazapinQueuedDelivery>;
  private bullmq?: BullMQ;
  private client?: RedisClient;
  /** Handler runs in progress. */
  private readonly running = new Set<Promise<void>>();
  /** Jobs whose handlers started and whose outcome Redis has not recorded yet. */
  private readonly unsettled = new Set<string>();

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    private readonly dispatcher: WazapinEventDispatcher,
    private readonly explorer: WazapinHandlerExplorer,
    private readonly moduleRef: ModuleRef,
    private readonly events: WazapinEventEmitter,
    @Inject(WAZAPIN_MESSAGE_READER) private readonly messages: MessageReader,
    @Inject(WAZAPIN_STATUS_ORDER) private readonly statusOrder: StatusOrder | null,
    private readonly deadLetters: QueuedDeadLetters,
    @Inject(WAZAPIN_TELEMETRY) private readonly telemetry: WazapinTelemetry,
  ) {}

  /** Starts once every handler is discovered. */
  async onApplicationBootstrap(): Promise<void> {
    const options = this.options.queue;
    if (!options?.worker) {
      return;
    }
    this.bullmq = await loadBullMQ();
    const { Worker } = this.bullmq;
    const { connection, prefix } = await resolveQueueConnection(options, this.moduleRef);
    // BullMQ's workers wait out Redis outages themselves, which needs commands that never give up.
    this.client = createRedisClient(connection, { maxRetriesPerRequest: null }, "dispatch 'queue'");
    this.client.on('error', () => undefined);
    this.client.on('ready', () => this.outage.recovered());
    this.worker = new Worker<WazapinQueuedDelivery>(options.name, (job, token) => this.process(job, token), {
      ...options.workerOptions,
      connection: this.client,
      prefix,
      concurrency: options.concurrency,
      autorun: true,
    });
    this.worker.on('error', (error) => this.outage.failed(error, 'queued deliveries wait until it recovers'));
    this.worker.on('completed', (job) => this.unsettled.delete(job.id ?? ''));
    this.worker.on('failed', (job, error) => {
      this.unsettled.delete(job?.id ?? '');
      if (job?.finishedOn !== undefined) {
        this.onExhausted(job, error);
      }
    });
  }

  /**
   * Stops taking jobs, lets running handlers finish (for at most `shutdownTimeoutMs`) and their
   * outcome reach Redis, then closes.
   * BullMQ's own graceful close would wait for Redis forever while it is down; here the wait
   * for the outcome ends when Redis is gone or after a few seconds, and a job not recorded as
   * done runs again elsewhere once its lock expires.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.worker || !this.client) {
      return;
    }
    await this.worker.pause(true);
    if (!(await settleWithin([...this.running], this.options.shutdownTimeoutMs))) {
      this.logger.warn(
        `Shutting down with ${this.running.size} queued delivery(ies) still being handled after ${this.options.shutdownTimeoutMs} ms ` +
          '(shutdownTimeoutMs); their jobs run again on an instance that is up once their lock expires.',
      );
    }
    const deadline = Date.now() + RECORD_TIMEOUT_MS;
    while (this.unsettled.size > 0 && this.client.status === 'ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS));
    }
    await this.worker.close(true);
    await closeRedisClient(this.client);
  }

  private process(job: Job<WazapinQueuedDelivery>, token?: string): Promise<void> {
    this.unsettled.add(job.id ?? '');
    const run = this.runHandlers(job, token);
    this.running.add(run);
    void run.catch(() => undefined).finally(() => this.running.delete(run));
    return run;
  }

  /**
   * With `statusOrder`, a status update is ordered here, where its handlers run: it waits in
   * the queue (delayed, no attempt spent) while another update of its message is handled, or
   * while the store cannot be reached.
   */
  private async runHandlers(job: Job<WazapinQueuedDelivery>, token?: string): Promise<void> {
    const event = withFetchMessage(fromQueuedDelivery(job.data, this.options.account), this.messages);
    const handled = new Set(job.data.handled);
    let status: Awaited<ReturnType<StatusOrder['take']>> | 'unreachable';
    try {
      status = this.statusOrder && event.invalid === undefined ? await this.statusOrder.take(event, handled.size > 0) : undefined;
    } catch {
      status = 'unreachable';
    }
    if (status === 'busy' || status === 'unreachable') {
      this.unsettled.delete(job.id ?? '');
      await job.moveToDelayed(Date.now() + (status === 'busy' ? BUSY_STATUS_DELAY_MS : STORE_DOWN_DELAY_MS), token);
      throw new this.bullmq!.DelayedError();
    }
    if (status === 'stale' && this.statusOrder!.drops) {
      this.statusOrder!.dropped(event);
      return;
    }
    const held = typeof status === 'object' ? status : undefined;
    const dispatched = this.telemetry.continuing(job.data, () => this.dispatcher.dispatch(event, handled, undefined, job.attemptsMade + 1));
    const failures = await dispatched.catch(async (error: unknown) => {
      await held?.release();
      throw error;
    });
    if (failures.length === 0) {
      await held?.complete();
      return;
    }
    // Handlers that succeeded saw the rank: it is recorded, and the retry of the others is not stale.
    await (handled.size > 0 || failures.length < this.dispatcher.countHandlers(event, handled) ? held?.complete() : held?.release());
    const failed = new Set(failures.map((failure) => failure.handler));
    for (const handler of this.explorer.handlersFor(event)) {
      if (!failed.has(handler.name)) {
        handled.add(handler.name);
      }
    }
    await job.updateData({ ...job.data, handled: [...handled] });
    throw new Error(
      failures
        .map(({ handler, error }) => `${handler}: ${errorMessage(error)}`)
        .join('; '),
    );
  }

  private onExhausted(job: Job<WazapinQueuedDelivery>, error: Error): void {
    const event = fromQueuedDelivery(job.data, this.options.account);
    const handled = new Set(job.data.handled);
    const failure: WazapinQueueJobFailure = {
      event,
      jobId: job.id ?? deliveryJobId(event.id, event.type, event.tenant),
      attempts: job.attemptsMade,
      error,
      failedHandlers: this.explorer
        .handlersFor(event)
        .map((handler) => handler.name)
        .filter((name) => !handled.has(name)),
    };
    this.logger.error(
      `Queued ${printable(event.type)} delivery ${printable(event.id)} failed after ${failure.attempts} attempt(s) and stays in the failed set: ${errorMessage(error)}`,
    );
    this.events.emit(WazapinWebhookEvents.QueueJobFailed, failure);
    this.events.emit(WazapinWebhookEvents.DeadLettered, this.deadLetters.deadLetterOf(job));
  }
}
