import {
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  ServiceUnavailableException,
  UnprocessableEntityException, Inject } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import { closeRedisClient, createFailFastRedisClient, type FailFastRedis } from '../redis/wazapin-redis-connection.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { OutageLog } from '../utils/outage-log.js';
import { printable } from '../utils/printable.js';
import { ThrottledLog } from '../utils/throttled-log.js';
import type { WazapinTelemetry } from '../telemetry/wazapin-telemetry.interface.js';
import { WAZAPIN_OPTIONS, WAZAPIN_TELEMETRY } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { loadBullMQ } from './load-bullmq.js';
import { resolveQueueConnection } from './queue-connection.js';
import { deliveryJobId, toQueuedDelivery, type WazapinQueuedDelivery } from './queued-delivery.js';
import { storedHeaderNames } from './stored-headers.js';

/** Longest wait for Redis while enqueueing, so a delivery gets its 503 well within the sender's timeout. */
const ENQUEUE_COMMAND_TIMEOUT_MS = 5000;
/** The prefix BullMQ gives a queue's keys when given none. */
const BULLMQ_DEFAULT_PREFIX = 'bull';
/** Why a delivery whose job data JSON cannot hold is refused; the only such data JSON.parse makes. */
const TOO_DEEP = 'its payload is nested too deeply to serialise';

/** Whether BullMQ can store `data`, which it does as JSON. */
function serialises(data: WazapinQueuedDelivery): boolean {
  try {
    JSON.stringify(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * The producer side of `dispatch: 'queue'`: adds each verified delivery to the BullMQ queue
 * under its delivery id. Inert in the other dispatch modes.
 */
@Injectable()
export class WazapinDeliveryQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly outage = new OutageLog(this.logger, 'Webhook queue');
  /** Deliveries that can never be queued: said at most once a minute, and no outage of the queue. */
  private readonly unqueueable = new ThrottledLog(60_000);
  private queue?: Queue<WazapinQueuedDelivery>;
  private redis?: FailFastRedis;
  /** Lower-case names of the request headers a job keeps. */
  private headers: readonly string[] = [];
  /** Where the queue's keys are in Redis (`<prefix>:<name>`), once its connection is resolved. */
  private keys?: string;

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    @Inject(WAZAPIN_TELEMETRY) private readonly telemetry: WazapinTelemetry,
  ) {}

  async onModuleInit(): Promise<void> {
    const options = this.options.queue;
    if (!options) {
      return;
    }
    this.headers = storedHeaderNames(options.headers, this.options.eventTypeHeader);
    const { Queue } = await loadBullMQ();
    const { connection, prefix } = await resolveQueueConnection(options, this.moduleRef);
    this.claimQueue(`${prefix ?? BULLMQ_DEFAULT_PREFIX}:${options.name}`);
    // Fails fast while Redis is down: the delivery is answered 503 and the platform retries it.
    this.redis = createFailFastRedisClient(connection, ENQUEUE_COMMAND_TIMEOUT_MS, "dispatch 'queue'");
    this.queue = new Queue<WazapinQueuedDelivery>(options.name, {
      connection: this.redis.client,
      prefix,
      defaultJobOptions: {
        attempts: options.attempts,
        backoff: options.backoff,
        removeOnComplete: options.removeOnComplete,
        removeOnFail: options.removeOnFail,
      },
    });
    this.queue.on('error', () => undefined);
  }

  /**
   * Fails boot when another registration's queue has the same keys: each one's workers would
   * take the other's deliveries. Registrations start one after another, so the queues that
   * started before this one have theirs. (Queues on two Redis servers are told apart only by name.)
   */
  private claimQueue(keys: string): void {
    for (const module of this.modules.values()) {
      const other = module.providers.get(WazapinDeliveryQueue)?.instance as WazapinDeliveryQueue | undefined;
      if (other && other !== this && other.keys === keys) {
        throw new WazapinConfigurationError(
          `WazapinWebhooksModule: registrations "${other.options.account}" and "${this.options.account}" both queue to ${keys} ` +
            '(prefix:name); leave queue.name unset (each registration then has its own) or give each its own',
        );
      }
    }
    this.keys = keys;
  }

  /** The BullMQ queue, for reading its jobs (the dead letters of queue mode). */
  get jobs(): Queue<WazapinQueuedDelivery> {
    if (!this.queue) {
      throw new ServiceUnavailableException('Webhook queue is not running');
    }
    return this.queue;
  }

  /** How many deliveries wait in the queue for a worker. */
  async waiting(): Promise<number> {
    return this.jobs.getWaitingCount();
  }

  /**
   * Adds the delivery durably; resolves once Redis holds it. Adding a delivery id already in
   * the queue is a no-op. Answers 503 when the queue cannot take it, and 422 when no queue ever
   * could, so that delivery is not taken for an outage.
   */
  async add(event: WazapinEvent): Promise<void> {
    if (!this.queue || !this.redis) {
      throw new ServiceUnavailableException('Webhook queue is not running');
    }
    const data = toQueuedDelivery(event, this.headers);
    const trace = this.telemetry.carrier();
    if (trace) {
      Object.assign(data, trace);
    }
    try {
      await this.redis.connected();
      // Until the first connection, BullMQ would hold the job until Redis answers: fail instead.
      if (this.redis.client.status !== 'ready') {
        throw new Error(`Redis connection is ${this.redis.client.status}`);
      }
      await this.queue.add(event.type, data, { jobId: deliveryJobId(event.id, event.type, event.tenant) });
    } catch (error) {
      // Checked on failure only, so a delivery that is queued is serialised once, by BullMQ.
      if (!serialises(data)) {
        this.unqueueable.write((suppressed) =>
          this.logger.warn(
            `Webhook delivery ${printable(event.id)} cannot be queued, answered 422: ${TOO_DEEP}` +
              (suppressed > 0 ? `; ${suppressed} more refused since the last such warning` : ''),
          ),
        );
        throw new UnprocessableEntityException(`Webhook delivery cannot be queued: ${TOO_DEEP}`);
      }
      this.outage.failed(error, 'answering 503 until it recovers');
      throw new ServiceUnavailableException('Webhook queue unavailable; retry later');
    }
    this.outage.recovered();
  }

  /** Runs after the HTTP server has closed, so no delivery is still being enqueued. */
  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close();
    if (this.redis) {
      await closeRedisClient(this.redis.client);
    }
  }
}
