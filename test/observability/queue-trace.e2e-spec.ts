import type { Server } from 'node:http';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Queue } from 'bullmq';
import { OnWazapinEvent, RedisIdempotencyStore, WazapinDeadLetters, WazapinWebhooksModule, type WazapinEvent } from '../../lib/index.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import type { PrintedSpan } from '../fixtures/traced-queue-worker.js';
import { BUILD_DIR, ensureCompiled } from '../support/compiled.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { WatchedProcess } from '../support/watched-process.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';
import {
  DEAD_LETTERS,
  DELAY,
  DELIVERIES,
  handlerSpanName,
  QUEUE_WAITING,
  RECEIVE,
  SCOPE,
  setUpTelemetry,
  traceRequestsAsHttpInstrumentation,
} from './telemetry-harness.js';

// Issue 15, queue mode: the request is received (and its receive span made) in one process, the
// job run by a worker in another (test/fixtures/traced-queue-worker.ts, with an SDK of its own).
// The worker's handler span has the receive span for parent: the job carries the trace context.
// The queue's gauges: the waiting jobs, and the dead letters (failed jobs whose attempts ran out).

const otel = setUpTelemetry();

const secret = generateWazapinSecret();
const QUEUE = 'wazapin-webhooks';
const ROUTE = '/webhooks/wazapin/message.status_update';
const HANDLER = 'QueuedStatusHandler.onStatus';
const statusUpdate = (id: string) => ({ message_id: `wamid-${id}`, conversation_id: 'conv_1', status: 'delivered', organization_id: 'org_1' });

/** The same handler as the worker's (named alike), never run here: this instance only enqueues. */
const ranHere: string[] = [];
@Injectable()
class QueuedStatusHandler {
  @OnWazapinEvent('message.status_update')
  onStatus(event: WazapinEvent<'message.status_update'>) {
    ranHere.push(event.id);
  }
}

let sequence = 0;
const freshId = (label: string) => `msg_${label}_${++sequence}_${Date.now().toString(36)}`;

/** The spans a worker process printed. */
const printedSpans = (worker: WatchedProcess): PrintedSpan[] =>
  worker.stdout
    .split('\n')
    .filter((line) => line.startsWith('span '))
    .map((line) => JSON.parse(line.slice('span '.length)) as PrintedSpan);

describeIf(redisMissing)("dispatch: 'queue', the worker in another process", () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let inspect: Queue;
  const apps: TestApp[] = [];
  const workers: WatchedProcess[] = [];

  /** An app in this process that receives and enqueues (`worker: false`). */
  const bootReceiver = async (attempts: number) => {
    const app = await startTestApp('express', {
      imports: [
        WazapinWebhooksModule.forRoot({
          secrets: secret,
          dispatch: 'queue',
          idempotency: { store: new RedisIdempotencyStore(redis.url, { keyPrefix: `${prefix}:idempotency:` }) },
          queue: { connection: redis.url, prefix, worker: false, attempts, backoff: { type: 'fixed', delay: 10 } },
        }),
      ],
      providers: [QueuedStatusHandler],
    });
    apps.push(app);
    return app;
  };
  /** The fixture's worker on this test's queue; resolves once it listens. */
  const startWorker = async (attempts: number) => {
    const worker = new WatchedProcess(process.execPath, [join(BUILD_DIR, 'test', 'fixtures', 'traced-queue-worker.js')], {
      env: { REDIS_URL: redis.url, KEY_PREFIX: prefix, WAZAPIN_SECRET: secret, QUEUE_ATTEMPTS: String(attempts) },
    });
    workers.push(worker);
    await worker.waitFor(/listening on (\d+)/);
    return worker;
  };
  const deliver = (app: TestApp, id: string, body: object | string = statusUpdate(id)) => {
    const signed = signWazapinDelivery({ secret, id, body, headers: 'webhook' });
    return app.post(signed.headers, signed.body, ROUTE);
  };
  const receiveSpan = async (id: string): Promise<ReadableSpan> => {
    const [span, ...others] = await otel.waitForSpans(RECEIVE, { 'wazapin.delivery_id': id });
    expect(others).toEqual([]);
    return span;
  };
  /** Waits for `count` handler spans of delivery `id` in the worker's output, by attempt. */
  const workerHandlerSpans = async (worker: WatchedProcess, id: string, count: number): Promise<PrintedSpan[]> => {
    const find = () =>
      printedSpans(worker)
        .filter((span) => span.name === handlerSpanName(HANDLER) && span.attributes['wazapin.delivery_id'] === id)
        .sort((a, b) => Number(a.attributes['wazapin.attempt']) - Number(b.attributes['wazapin.attempt']));
    await waitUntil(`${count} handler span(s) of ${id} from the worker`, () => find().length >= count, 20_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker stdout:\n${worker.stdout}\nworker stderr:\n${worker.stderr}`);
    });
    return find();
  };

  beforeAll(async () => {
    redis = await useRedis();
    ensureCompiled();
  }, 180_000);
  beforeEach(async () => {
    prefix = uniquePrefix('otel-queue');
    inspect = new Queue(QUEUE, { connection: { url: redis.url }, prefix });
    ranHere.length = 0;
    await otel.reset();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL')));
    await inspect.close();
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    await redis.close();
  });

  it("parents the worker's handler span to the receive span of the request that enqueued the job, a retry included", async () => {
    const receiver = await bootReceiver(3);
    const worker = await startWorker(3);
    const steadyId = freshId('steady');
    const flakyId = freshId('flaky');
    expect(await deliver(receiver, steadyId)).toMatchObject({ status: 200, json: { received: true } });
    expect(await deliver(receiver, flakyId)).toMatchObject({ status: 200, json: { received: true } });

    const steadyReceive = await receiveSpan(steadyId);
    expect(steadyReceive.kind).toBe(SpanKind.SERVER);
    expect(steadyReceive.attributes).toMatchObject({
      'wazapin.outcome': 'accepted',
      'wazapin.event_type': 'message.status_update',
      'wazapin.account': 'default',
      'http.response.status_code': 200,
    });
    const flakyReceive = await receiveSpan(flakyId);

    const [steady, ...moreSteady] = await workerHandlerSpans(worker, steadyId, 1);
    expect(moreSteady).toEqual([]);
    expect(steady).toMatchObject({
      kind: SpanKind.INTERNAL,
      scope: SCOPE,
      traceId: steadyReceive.spanContext().traceId,
      parentSpanId: steadyReceive.spanContext().spanId,
      status: { code: SpanStatusCode.UNSET },
    });
    expect(steady.attributes).toMatchObject({
      'wazapin.handler': HANDLER,
      'wazapin.delivery_id': steadyId,
      'wazapin.event_type': 'message.status_update',
      'wazapin.account': 'default',
      'wazapin.attempt': 1,
    });
    // The handler span is active in the worker too: the handler's own span is its child.
    await waitUntil('the handler’s own span', () => printedSpans(worker).some((span) => span.name === 'crm.update' && span.parentSpanId === steady.spanId));
    expect(printedSpans(worker).filter((span) => span.name === 'crm.update' && span.traceId === steady.traceId)).toHaveLength(1);

    // The job's second attempt is parented to the same request's receive span.
    const flakyRuns = await workerHandlerSpans(worker, flakyId, 2);
    expect(flakyRuns.map((span) => [span.attributes['wazapin.attempt'], span.status.code])).toEqual([
      [1, SpanStatusCode.ERROR],
      [2, SpanStatusCode.UNSET],
    ]);
    for (const span of flakyRuns) {
      expect({ traceId: span.traceId, parentSpanId: span.parentSpanId }).toEqual({
        traceId: flakyReceive.spanContext().traceId,
        parentSpanId: flakyReceive.spanContext().spanId,
      });
    }
    expect(flakyRuns[0].events).toEqual([
      expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.message': 'crm down once' }) }),
    ]);
    // Nothing of the two deliveries ran in the receiving process, and it made no handler span.
    expect(ranHere).toEqual([]);
    expect(otel.spans().filter((span) => span.name.startsWith('wazapin.handler '))).toEqual([]);
  });

  it('reports the jobs no worker has taken as queue.waiting, and the failed jobs whose attempts ran out as dead_letters', async () => {
    const receiver = await bootReceiver(1);
    const ids = [freshId('first'), freshId('second'), freshId('doomed')];
    for (const id of ids) {
      expect((await deliver(receiver, id)).status).toBe(200);
    }
    expect(await inspect.getWaitingCount()).toBe(3);
    await otel.collect();
    expect(otel.gauge(QUEUE_WAITING, { account: 'default' })).toBe(3);
    expect(otel.gauge(DEAD_LETTERS, { account: 'default' })).toBe(0);
    expect(otel.points(QUEUE_WAITING)[0]).toMatchObject({ scope: SCOPE });

    // The job carries the request's trace context: its receive span is the parent to be.
    const doomedReceive = await receiveSpan(ids[2]);
    const job = await inspect.getJob(`dlv_${ids[2]}~message.status_update`);
    expect(job).toBeDefined();
    expect(JSON.stringify(job?.data)).toMatch(
      new RegExp(`"traceparent":"00-${doomedReceive.spanContext().traceId}-${doomedReceive.spanContext().spanId}-0[0-9a-f]"`),
    );

    const worker = await startWorker(1);
    await waitUntil('two jobs completed and one failed', async () => {
      const counts = await inspect.getJobCounts('completed', 'failed', 'waiting', 'active');
      return counts.completed === 2 && counts.failed === 1 && counts.waiting === 0 && counts.active === 0;
    });
    const deadLetters = receiver.app.get(ModuleRef).get(WazapinDeadLetters, { strict: false });
    expect(await deadLetters.count()).toBe(1);
    await otel.collect();
    expect(otel.gauge(QUEUE_WAITING, { account: 'default' })).toBe(0);
    expect(otel.gauge(DEAD_LETTERS, { account: 'default' })).toBe(1);

    const [doomed] = await workerHandlerSpans(worker, ids[2], 1);
    expect(doomed).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      traceId: doomedReceive.spanContext().traceId,
      parentSpanId: doomedReceive.spanContext().spanId,
    });
    expect(doomed.events.map((event) => event.attributes?.['exception.message'])).toEqual(['crm down for good #1']);
  });

  it("carries the request's tracestate to the worker, whose handler span continues the caller's trace under the receive span", async () => {
    const receiver = await bootReceiver(3);
    // As an HTTP instrumentation does with an incoming traceparent and tracestate: a remote parent.
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState('vendor=abc,other=1'),
    });
    const server = traceRequestsAsHttpInstrumentation(receiver.app.getHttpServer() as Server, otel.tracer, remote);
    const id = freshId('traced');
    expect((await deliver(receiver, id)).status).toBe(200);
    const receive = await receiveSpan(id);
    expect(receive.kind).toBe(SpanKind.INTERNAL);
    expect(receive.parentSpanContext?.spanId).toBe(server[0].spanContext().spanId);
    expect(receive.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');

    const job = await inspect.getJob(`dlv_${id}~message.status_update`);
    expect(JSON.stringify(job?.data)).toContain('"tracestate":"vendor=abc,other=1"');

    const worker = await startWorker(3);
    const [run] = await workerHandlerSpans(worker, id, 1);
    expect(run).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: receive.spanContext().spanId,
      traceState: 'vendor=abc,other=1',
    });
  });

  it('answers 422 to a delivery no queue can hold: outcome invalid, counted and its delay recorded', async () => {
    const receiver = await bootReceiver(3);
    const id = freshId('deep');
    const nested = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const body = `{"message_id":"wamid-deep","conversation_id":"conv_1","status":"delivered","nested":${nested}}`;
    expect((await deliver(receiver, id, body)).status).toBe(422);
    const span = await receiveSpan(id);
    expect(span.attributes).toMatchObject({
      'wazapin.outcome': 'invalid',
      'wazapin.event_type': 'message.status_update',
      'http.response.status_code': 422,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'invalid', event_type: 'message.status_update', account: 'default' })).toBe(1);
    expect(otel.histogramCount(DELAY, { event_type: 'message.status_update', account: 'default' })).toBe(1);
  });
});
