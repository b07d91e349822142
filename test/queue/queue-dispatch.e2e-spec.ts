import { createHash } from 'node:crypto';
import { Injectable, Module, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  OnWazapinEvent,
  WazapinWebhookEvents,
  WazapinWebhooksModule,
  type WazapinEvent,
  type WazapinHandlerFailure,
  type WazapinQueueJobFailure,
  type WazapinQueuedDelivery,
  type WazapinQueueOptions,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { WazapinDeliveryQueue } from '../../lib/queue/wazapin-delivery.queue.js';
import { WazapinDeliveryWorker } from '../../lib/queue/wazapin-delivery.worker.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { deferred, startTestApp, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const QUEUE = 'wazapin-webhooks';
const ROUTE = '/webhooks/wazapin/message.status_update';
/** The job id of a delivery posted to ROUTE, as the README states the scheme. */
const jobId = (id: string) => `dlv_${id}~message.status_update`;
const statusUpdate = (messageId: string) => ({ message_id: messageId, conversation_id: 'conv_1', status: 'delivered', organization_id: 'org_1' });

/** What the handlers of the apps under test did; reset before each test. */
const seen = {
  steady: [] as string[],
  /** Every event `steady` was given, as it was given. */
  events: [] as WazapinEvent[],
  flaky: [] as string[],
  /** How many more times `flaky` throws. */
  flakyFailures: 0,
  /** Holds `steady` open while set. */
  gate: undefined as Promise<void> | undefined,
  handlerFailures: [] as WazapinHandlerFailure[],
  jobFailures: [] as WazapinQueueJobFailure[],
};

@Injectable()
class Handlers {
  @OnWazapinEvent('message.status_update')
  async steady(event: WazapinEvent<'message.status_update'>) {
    seen.events.push(event);
    await seen.gate;
    seen.steady.push(event.id);
  }

  @OnWazapinEvent('message.status_update')
  flaky(event: WazapinEvent<'message.status_update'>) {
    seen.flaky.push(event.id);
    if (seen.flakyFailures > 0) {
      seen.flakyFailures--;
      throw new Error('downstream unavailable');
    }
  }

  @OnEvent(WazapinWebhookEvents.HandlerFailed)
  onHandlerFailed(failure: WazapinHandlerFailure) {
    seen.handlerFailures.push(failure);
  }

  @OnEvent(WazapinWebhookEvents.QueueJobFailed)
  onJobFailed(failure: WazapinQueueJobFailure) {
    seen.jobFailures.push(failure);
  }
}

/** Runs of two features' `MessagesHandler` classes, one class of that name in each module. */
const sameNamed = { runs: [] as string[], supportFailures: 0 };
const messagesHandler = (feature: 'orders' | 'support') => {
  @Injectable()
  class MessagesHandler {
    @OnWazapinEvent('message.status_update')
    onStatus(event: WazapinEvent<'message.status_update'>) {
      sameNamed.runs.push(`${feature} ${event.id}`);
      if (feature === 'support' && sameNamed.supportFailures > 0) {
        sameNamed.supportFailures--;
        throw new Error('support desk unavailable');
      }
    }
  }
  return MessagesHandler;
};

@Module({ providers: [messagesHandler('orders')] })
class OrdersModule {}

@Module({ providers: [messagesHandler('support')] })
class SupportModule {}

describeIf(redisMissing)("dispatch: 'queue'", () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let inspect: Queue;
  /** For what the Queue API does not show: the job as Redis holds it. */
  let redisClient: Redis;
  const apps: TestApp[] = [];

  const boot = async (queue: WazapinQueueOptions = {}, options: Partial<WazapinWebhooksModuleOptions> = {}, imports: ModuleMetadata['imports'] = []) => {
    const app = await startTestApp('express', {
      imports: [
        EventEmitterModule.forRoot(),
        WazapinWebhooksModule.forRoot({
          secrets: secret,
          dispatch: 'queue',
          queue: { connection: redis.url, prefix, backoff: { type: 'fixed', delay: 10 }, ...queue },
          ...options,
        }),
        ...imports,
      ],
      providers: [Handlers],
    });
    apps.push(app);
    return app;
  };
  const deliver = (app: TestApp, id: string) => app.deliver({ secret, id, body: statusUpdate(`wamid-${id}`) }, ROUTE);
  const stateOf = (id: string) => inspect.getJobState(jobId(id));

  beforeAll(async () => {
    redis = await useRedis();
    redisClient = new Redis(redis.url);
  });
  beforeEach(() => {
    prefix = uniquePrefix('queue');
    inspect = new Queue(QUEUE, { connection: { url: redis.url }, prefix });
    Object.assign(seen, { steady: [], events: [], flaky: [], flakyFailures: 0, gate: undefined, handlerFailures: [], jobFailures: [] });
    Object.assign(sameNamed, { runs: [], supportFailures: 0 });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await inspect.close();
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    redisClient.disconnect();
    await redis.close();
  });

  it('acknowledges once the job is in Redis under dlv_<delivery id>~<type>, then a worker runs the handlers', async () => {
    const app = await boot();
    const response = await deliver(app, 'msg_queued');
    expect(response).toMatchObject({ status: 200, json: { received: true } });
    const job = await inspect.getJob(jobId('msg_queued'));
    expect(job?.data).toMatchObject({ id: 'msg_queued', type: 'message.status_update', payload: statusUpdate('wamid-msg_queued') });

    await waitUntil('the job to complete', async () => (await stateOf('msg_queued')) === 'completed');
    expect(seen.steady).toEqual(['msg_queued']);
    expect(seen.flaky).toEqual(['msg_queued']);
  });

  it('never enqueues a delivery id twice, even through an instance whose dedupe store has not seen it', async () => {
    const first = await boot();
    expect((await deliver(first, 'msg_once')).json).toEqual({ received: true });
    expect((await deliver(first, 'msg_once')).json).toEqual({ received: true, duplicate: true });
    // A second instance with its own in-memory store: only the job id stops the duplicate.
    const second = await boot({ worker: false });
    expect((await deliver(second, 'msg_once')).status).toBe(200);
    expect(await inspect.getJobCountByTypes('waiting', 'active', 'completed', 'delayed')).toBe(1);
  });

  it('keeps a job under dlv_<delivery id>~<type>, or dlvh_<SHA-256 of both> for an id with a colon or over 128 characters', async () => {
    const app = await boot({ worker: false });
    const ids = ['12345', 'a:b', 'm'.repeat(128), 'm'.repeat(129)];
    for (const id of ids) {
      expect((await deliver(app, id)).status).toBe(200);
    }
    const digest = (id: string) => `dlvh_${createHash('sha256').update(`message.status_update\u0000${id}`).digest('base64url')}`;
    const jobIds = [jobId('12345'), digest('a:b'), jobId('m'.repeat(128)), digest('m'.repeat(129))];
    expect(await Promise.all(jobIds.map(async (jobId) => (await inspect.getJob(jobId))?.data.id))).toEqual(ids);
  });

  it('answers 422 to a delivery nested too deeply to queue, warns once (not as an outage), and keeps taking deliveries', async () => {
    const app = await boot();
    const nested = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const body = `{"message_id":"wamid-deep","conversation_id":"conv_1","status":"delivered","nested":${nested}}`;
    // \x9b is a terminal's CSI: the log line must show it escaped.
    for (const id of ['msg_deep\u009b31m', 'msg_deep_again']) {
      const response = await app.deliver({ secret, id, body }, ROUTE);
      expect(response.status).toBe(422);
      expect(response.json).toMatchObject({ message: 'Webhook delivery cannot be queued: its payload is nested too deeply to serialise' });
    }
    const warnings = app.logger.lines.filter((line) => line.level === 'warn' && /cannot be queued/.test(line.message));
    expect(warnings.map((line) => line.message)).toEqual([expect.stringContaining('msg_deep\\x9b31m')]);
    expect(app.logger.has('error', /Webhook queue unavailable/)).toBe(false);

    expect((await deliver(app, 'msg_after_deep')).status).toBe(200);
    await waitUntil('the next delivery to be handled', () => seen.steady.includes('msg_after_deep'));
    expect(seen.steady).toEqual(['msg_after_deep']);
  });

  it('keeps only the allowed headers in Redis, never credentials or signatures', async () => {
    const app = await boot({ worker: false }, { eventTypeHeader: 'X-Wazapin-Event' });
    const credentials = {
      authorization: 'Bearer app-token-1',
      cookie: 'session=app-token-2',
      'proxy-authorization': 'Basic app-token-3',
      'x-forwarded-authorization': 'Bearer app-token-4',
      'x-api-key': 'app-token-5',
    };
    const extra = { ...credentials, 'user-agent': 'Svix-Webhooks/1.0', 'x-wazapin-event': 'message.status_update', 'x-request-id': 'req-1' };
    for (const family of ['svix', 'webhook'] as const) {
      const signed = signWazapinDelivery({ secret, id: `msg_${family}_headers`, body: statusUpdate(`wamid-${family}`), headers: family });
      expect((await app.post({ ...signed.headers, ...extra }, signed.body, ROUTE)).status).toBe(200);
      const job = await redisClient.hgetall(`${prefix}:${QUEUE}:${jobId(`msg_${family}_headers`)}`);
      for (const secretValue of [...Object.values(credentials), signed.headers[`${family}-signature`]]) {
        expect(JSON.stringify(job)).not.toContain(secretValue);
      }
      expect((JSON.parse(job.data) as WazapinQueuedDelivery).headers).toEqual({
        'content-type': 'application/json',
        'user-agent': 'Svix-Webhooks/1.0',
        [`${family}-id`]: `msg_${family}_headers`,
        [`${family}-timestamp`]: String(signed.timestamp),
        'x-wazapin-event': 'message.status_update',
      });
    }
  });

  it('keeps the headers queue.headers names instead, case-insensitively, but never a signature', async () => {
    const app = await boot({ headers: ['X-Tenant', 'svix-signature', 'Webhook-Signature'] });
    const signed = signWazapinDelivery({ secret, id: 'msg_tenant', body: statusUpdate('wamid-tenant') });
    expect((await app.post({ ...signed.headers, 'x-tenant': 'acme', 'webhook-signature': signed.headers['svix-signature'] }, signed.body, ROUTE)).status).toBe(200);
    expect((await inspect.getJob(jobId('msg_tenant')))?.data.headers).toEqual({ 'x-tenant': 'acme' });
    await waitUntil('the handler', () => seen.events.length === 1);
    expect(seen.events[0].headers).toEqual({ 'x-tenant': 'acme' });
  });

  it('keeps failed jobs 7 days, at most 10,000, unless removeOnFail says otherwise', async () => {
    const bounded = await boot({ worker: false });
    expect((await deliver(bounded, 'msg_bounded')).status).toBe(200);
    expect((await inspect.getJob(jobId('msg_bounded')))?.opts.removeOnFail).toEqual({ age: 7 * 24 * 3600, count: 10_000 });
    const keeper = await boot({ worker: false, removeOnFail: false });
    expect((await deliver(keeper, 'msg_kept')).status).toBe(200);
    expect((await inspect.getJob(jobId('msg_kept')))?.opts.removeOnFail).toBe(false);
  });

  it('retries a failed handler with backoff, running only the handlers that have not succeeded', async () => {
    seen.flakyFailures = 2;
    const app = await boot({ attempts: 5 });
    expect((await deliver(app, 'msg_flaky')).status).toBe(200);

    await waitUntil('the job to complete', async () => (await stateOf('msg_flaky')) === 'completed');
    expect(seen.flaky).toEqual(['msg_flaky', 'msg_flaky', 'msg_flaky']);
    expect(seen.steady).toEqual(['msg_flaky']);
    expect(seen.handlerFailures.map((failure) => failure.handler)).toEqual(['Handlers.flaky', 'Handlers.flaky']);
    expect((await inspect.getJob(jobId('msg_flaky')))?.attemptsMade).toBe(3);
    expect(seen.jobFailures).toEqual([]);
  });

  it('keeps each handler that succeeded by its own name: of two same-named classes, the retry on another instance runs only the one that failed', async () => {
    sameNamed.supportFailures = 1;
    const id = 'msg_same_named';
    const retryLater = { attempts: 3, backoff: { type: 'fixed', delay: 1000 } } as const;
    const first = await boot(retryLater, {}, [OrdersModule, SupportModule]);
    expect((await deliver(first, id)).status).toBe(200);
    await waitUntil('the first attempt to fail', async () => (await stateOf(id)) === 'delayed');
    await apps.splice(apps.indexOf(first), 1)[0].close();

    await boot(retryLater, {}, [OrdersModule, SupportModule]);
    await waitUntil('the retry to complete', async () => (await stateOf(id)) === 'completed');
    expect(sameNamed.runs.filter((run) => run.startsWith('orders'))).toEqual([`orders ${id}`]);
    expect(sameNamed.runs.filter((run) => run.startsWith('support'))).toEqual([`support ${id}`, `support ${id}`]);
    expect(seen.handlerFailures.map((failure) => failure.handler)).toEqual(['SupportModule.MessagesHandler.onStatus']);
    expect([...((await inspect.getJob(jobId(id)))?.data.handled ?? [])].sort()).toEqual(['Handlers.flaky', 'Handlers.steady', 'OrdersModule.MessagesHandler.onStatus']);
  });

  it('leaves a job failed with its error once attempts are exhausted, and emits it once', async () => {
    seen.flakyFailures = Number.POSITIVE_INFINITY;
    const app = await boot({ attempts: 3 });
    expect((await deliver(app, 'msg_doomed')).status).toBe(200);

    await waitUntil('the job to fail', async () => (await stateOf('msg_doomed')) === 'failed');
    await waitUntil('the job failure event', () => seen.jobFailures.length === 1);
    const job = await inspect.getJob(jobId('msg_doomed'));
    expect(job?.failedReason).toBe('Handlers.flaky: downstream unavailable');
    expect(job?.attemptsMade).toBe(3);
    expect(seen.flaky).toHaveLength(3);
    expect(seen.steady).toEqual(['msg_doomed']);
    const [failure] = seen.jobFailures;
    expect(failure).toMatchObject({ jobId: jobId('msg_doomed'), attempts: 3, failedHandlers: ['Handlers.flaky'] });
    expect(failure.event).toMatchObject({ id: 'msg_doomed', type: 'message.status_update' });
    expect(failure.error.message).toBe('Handlers.flaky: downstream unavailable');
    expect(app.logger.has('error', /msg_doomed failed after 3 attempt\(s\) and stays in the failed set/)).toBe(true);
  });

  it('lets running handlers finish on shutdown, and the job completes', async () => {
    const gate = deferred();
    seen.gate = gate.promise;
    const app = await boot();
    expect((await deliver(app, 'msg_running')).status).toBe(200);
    await waitUntil('the handler to start', () => seen.events.length === 1);

    let closed = false;
    const closing = apps.splice(0)[0].close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    expect(seen.steady).toEqual(['msg_running']);
    expect(await stateOf('msg_running')).toBe('completed');
    expect(app.logger.lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('with worker: false only enqueues; a worker elsewhere runs the handlers', async () => {
    const receiver = await boot({ worker: false });
    expect((await deliver(receiver, 'msg_elsewhere')).status).toBe(200);
    expect(await stateOf('msg_elsewhere')).toBe('waiting');
    await boot();
    await waitUntil('the job to complete', async () => (await stateOf('msg_elsewhere')) === 'completed');
    expect(seen.steady).toEqual(['msg_elsewhere']);
  });

  it("uses the app's own @nestjs/bullmq queue settings when no connection is given", async () => {
    @Injectable()
    class QueueWatcher {
      constructor(@InjectQueue(QUEUE) readonly queue: Queue) {}
    }
    const app = await startTestApp('express', {
      imports: [
        EventEmitterModule.forRoot(),
        BullModule.forRoot({ connection: { url: redis.url } }),
        BullModule.registerQueue({ name: QUEUE, prefix }),
        WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'queue', queue: { name: QUEUE } }),
      ],
      providers: [Handlers, QueueWatcher],
    });
    apps.push(app);
    expect((await deliver(app, 'msg_nest_bullmq')).status).toBe(200);
    const watcher = app.app.get(QueueWatcher);
    await waitUntil('the job to complete', async () => (await watcher.queue.getJobState(jobId('msg_nest_bullmq'))) === 'completed');
    expect(seen.steady).toEqual(['msg_nest_bullmq']);
  });

  it("with forRootAsync takes dispatch: 'queue' beside useFactory, where it decides the providers, and queues", async () => {
    const app = await startTestApp('express', {
      imports: [
        EventEmitterModule.forRoot(),
        WazapinWebhooksModule.forRootAsync({
          dispatch: 'queue',
          useFactory: async () => ({ secrets: secret, queue: { connection: redis.url, prefix } }),
        }),
      ],
      providers: [Handlers],
    });
    apps.push(app);
    expect((await deliver(app, 'msg_async')).status).toBe(200);
    await waitUntil('the job to complete', async () => (await stateOf('msg_async')) === 'completed');
    expect(seen.steady).toEqual(['msg_async']);
  });

  it.each([
    ['the factory alone says queue', { useFactory: () => ({ secrets: secret, dispatch: 'queue' as const }) }, /with forRootAsync give it beside useFactory/],
    [
      'the definition says queue, the factory inline',
      { dispatch: 'queue' as const, useFactory: () => ({ secrets: secret, dispatch: 'inline' as const }) },
      /defined with dispatch: 'queue' but its options say "inline"/,
    ],
  ])('refuses to start when %s', async (_case, asyncOptions, message) => {
    @Module({ imports: [WazapinWebhooksModule.forRootAsync(asyncOptions)] })
    class Mismatched {}
    await expect(NestFactory.createApplicationContext(Mismatched, { logger: false, abortOnError: false })).rejects.toThrow(message);
  });

  it('registers the BullMQ producer and worker in queue mode only', async () => {
    const providersOf = async (options: WazapinWebhooksModuleOptions) => {
      @Module({ imports: [WazapinWebhooksModule.forRoot(options)] })
      class Probe {}
      const context = await NestFactory.createApplicationContext(Probe, { logger: false, abortOnError: false });
      const found = [WazapinDeliveryQueue, WazapinDeliveryWorker].filter((token) => {
        try {
          return context.get(token, { strict: false }) !== undefined;
        } catch {
          return false;
        }
      });
      await context.close();
      return found;
    };
    expect(await providersOf({ secrets: secret })).toEqual([]);
    expect(await providersOf({ secrets: secret, dispatch: 'inline' })).toEqual([]);
    expect(await providersOf({ secrets: secret, dispatch: 'queue', queue: { connection: redis.url, prefix } })).toEqual([
      WazapinDeliveryQueue,
      WazapinDeliveryWorker,
    ]);
  });

  it('refuses to start without a Redis for the queue', async () => {
    @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'queue' })] })
    class NoRedisModule {}
    await expect(NestFactory.createApplicationContext(NoRedisModule, { logger: false, abortOnError: false })).rejects.toThrow(
      /dispatch 'queue' needs a Redis: set queue.connection, or configure @nestjs\/bullmq/,
    );
  });

  it.each([
    [{ dispatch: 'background', queue: {} }, /queue options are set but dispatch is "background"/],
    [{ dispatch: 'queue', queue: { attempts: 0 } }, /queue.attempts must be a positive integer, got 0/],
    [{ dispatch: 'queue', queue: { concurrency: 1.5 } }, /queue.concurrency must be a positive integer, got 1.5/],
    [{ dispatch: 'queue', queue: { backoff: -1 } }, /queue.backoff must be a number of at least 0, got -1/],
    [{ dispatch: 'queue', queue: { name: '' } }, /queue.name must be a non-empty string/],
    [{ dispatch: 'queue', queue: { headers: 'x-tenant' } }, /queue.headers must be an array of header names, got "x-tenant"/],
    [{ dispatch: 'queue', queue: { headers: ['x-tenant', ''] } }, /queue.headers must be an array of header names, got \["x-tenant",""\]/],
  ] as [Partial<WazapinWebhooksModuleOptions>, RegExp][])('rejects bad queue settings at startup: %j', async (options, message) => {
    @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret, ...options })] })
    class BadModule {}
    await expect(NestFactory.createApplicationContext(BadModule, { logger: false, abortOnError: false })).rejects.toThrow(message);
  });
});
