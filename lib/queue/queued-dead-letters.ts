import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { DeadLetterSource } from '../dead-letters/dead-letter-source.interface.js';
import type { WazapinDeadLetter, WazapinDeadLetterReplay } from '../dead-letters/wazapin-dead-letter.interface.js';
import { type MessageReader, withFetchMessage } from '../events/message-fetch.js';
import { WazapinEventDispatcher } from '../events/wazapin-event.dispatcher.js';
import { WAZAPIN_MESSAGE_READER, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { fromQueuedDelivery, type WazapinQueuedDelivery } from './queued-delivery.js';
import { WazapinDeliveryQueue } from './wazapin-delivery.queue.js';

/**
 * The dead letters of `dispatch: 'queue'`: the registration's failed jobs, those whose attempts
 * ran out, oldest first. A replay moves a job back to the queue, where a worker runs the
 * handlers that have not succeeded, once more. The cursor is a position in the failed set.
 */
@Injectable()
export class QueuedDeadLetters implements DeadLetterSource {
  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    private readonly queue: WazapinDeliveryQueue,
    private readonly handlers: WazapinEventDispatcher,
    @Inject(WAZAPIN_MESSAGE_READER) private readonly messages: MessageReader,
  ) {}

  async page(limit: number, cursor?: string): Promise<{ letters: WazapinDeadLetter[]; cursor?: string }> {
    const start = cursor === undefined ? 0 : position(cursor);
    const jobs = await this.queue.jobs.getJobs(['failed'], start, start + limit, true);
    return {
      letters: jobs.slice(0, limit).map((job) => this.deadLetterOf(job as Job<WazapinQueuedDelivery>)),
      cursor: jobs.length > limit ? String(start + limit) : undefined,
    };
  }

  count(): Promise<number> {
    return this.queue.jobs.getFailedCount();
  }

  async replay(id: string): Promise<WazapinDeadLetterReplay> {
    const job = await this.failedJob(id);
    if (job === 'missing' || job === 'busy') {
      return { id, outcome: job };
    }
    try {
      await job.retry('failed');
    } catch (error) {
      // Another replay moved it out of the failed set between the two steps: it is queued already.
      if ((await job.getState()) !== 'failed') {
        return { id, outcome: 'busy' };
      }
      throw error;
    }
    return { id, outcome: 'queued' };
  }

  async discard(id: string): Promise<boolean> {
    const job = await this.failedJob(id);
    if (typeof job === 'string') {
      return false;
    }
    await job.remove();
    return true;
  }

  /** The job of `id` when it is failed; `busy` when it is back in the queue (replayed), `missing` when there is none. */
  private async failedJob(id: string): Promise<Job<WazapinQueuedDelivery> | 'missing' | 'busy'> {
    const job = (await this.queue.jobs.getJob(id).catch((error: unknown) => {
      // An id that is one of BullMQ's own key names (`events`, `failed`, …) reads a key of another type: no job.
      if (error instanceof Error && error.message.startsWith('WRONGTYPE')) {
        return undefined;
      }
      throw error;
    })) as Job<WazapinQueuedDelivery> | undefined;
    if (!job) {
      return 'missing';
    }
    const state = await job.getState();
    return state === 'failed' ? job : state === 'completed' || state === 'unknown' ? 'missing' : 'busy';
  }

  /** The dead letter a failed job is. */
  deadLetterOf(job: Job<WazapinQueuedDelivery>): WazapinDeadLetter {
    const event = withFetchMessage(fromQueuedDelivery(job.data, this.options.account), this.messages);
    const handled = new Set(job.data.handled);
    return {
      id: String(job.id),
      event,
      handlers: this.handlers.handlerNames(event).filter((name) => !handled.has(name)),
      error: job.failedReason,
      attempts: job.attemptsMade,
      failedAt: new Date(job.finishedOn ?? job.timestamp),
    };
  }
}

/** The position a queue-mode cursor holds. */
function position(cursor: string): number {
  const at = /^\d{1,9}$/.test(cursor) ? Number(cursor) : NaN;
  if (Number.isNaN(at)) {
    throw new RangeError(`WazapinDeadLetters: not a cursor of this registration's dead letters: ${JSON.stringify(cursor.slice(0, 100))}`);
  }
  return at;
}
