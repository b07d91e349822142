import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  OnWazapinEvent,
  RedisIdempotencyStore,
  WazapinDeadLetters,
  WazapinWebhooksModule,
  type WazapinEvent,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload, signWazapinDelivery } from '../../lib/testing/index.js';
import { freePort } from '../support/free-port.js';
import { HOSTILE } from '../support/hostile-thrown-values.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, deferred, startTestApp, type AdapterName, type TestApp, type TestAppOptions } from '../support/webhook-app.js';
import {
  DEAD_LETTERS,
  DELAY,
  DELIVERIES,
  exceptionsOf,
  HANDLER_DURATION,
  handlerSpanName,
  idsOf,
  PACKAGE_VERSION,
  QUEUE_WAITING,
  RECEIVE,
  SCOPE,
  setUpTelemetry,
  traceRequestsAsHttpInstrumentation,
} from './telemetry-harness.js';

// Issue 15, "Tracing" and "Metrics": with an OpenTelemetry SDK registered globally before the
// app is created, every request to the webhook route is a `wazapin.webhook.receive` span, every
// handler run a `wazapin.handler <name>` span under it (retries included), and the meter
// `nestjs-wazapin-webhooks` counts deliveries by outcome, times handlers and deliveries' delay.

const otel = setUpTelemetry();

const secret = generateWazapinSecret();
const otherSecret = generateWazapinSecret();
const ORDERS = 'OrdersHandler.onMessage';
const CRM = 'CrmHandler.sync';
const STATUS = 'StatusHandler.onStatus';
const CATALOGUE = ['message.new', 'message.sent', 'message.status_update', 'conversation.updated', 'contact.updated', 'template.status_update'];

/** What a handler does on its `call`-th run for a delivery id (1 first): return, throw, or wait. */
type Behaviour = (event: WazapinEvent, call: number) => void | Promise<void>;
const succeeds: Behaviour = () => undefined;

/** Every handler run of the apps under test, and what each handler does; reset before each test. */
const handlers = {
  runs: [] as { handler: string; id: string; activeSpanId: string | undefined }[],
  orders: succeeds,
  crm: succeeds,
  /** Holds `OrdersHandler.onMessage` open while set. */
  hold: undefined as Promise<void> | undefined,
  reset() {
    this.runs = [];
    this.orders = succeeds;
    this.crm = succeeds;
    this.hold = undefined;
  },
  count(handler: string, id: string) {
    return this.runs.filter((run) => run.handler === handler && run.id === id).length;
  },
};

function record(handler: string, event: WazapinEvent): number {
  handlers.runs.push({ handler, id: event.id, activeSpanId: trace.getActiveSpan()?.spanContext().spanId });
  return handlers.count(handler, event.id);
}

@Injectable()
class OrdersHandler {
  @OnWazapinEvent('message.new')
  async onMessage(event: WazapinEvent<'message.new'>) {
    const call = record(ORDERS, event);
    await handlers.hold;
    // The handler's own span, as a user's code (or a database instrumentation) makes one.
    await otel.tracer.startActiveSpan('orders.save', async (span) => {
      await sleep(1);
      span.end();
    });
    await handlers.orders(event, call);
  }
}

@Injectable()
class CrmHandler {
  @OnWazapinEvent('message.new')
  async sync(event: WazapinEvent<'message.new'>) {
    await handlers.crm(event, record(CRM, event));
  }
}

@Injectable()
class StatusHandler {
  @OnWazapinEvent('message.status_update')
  onStatus(event: WazapinEvent<'message.status_update'>) {
    record(STATUS, event);
  }
}

/** Wildcard handler, for event types no typed handler names. */
@Injectable()
class AnyEventHandler {
  @OnWazapinEvent('*')
  onAny(event: WazapinEvent) {
    record('AnyEventHandler.onAny', event);
  }
}

let sequence = 0;
const freshId = (label: string) => `msg_${label}_${++sequence}_${Date.now().toString(36)}`;
/** A message.new whose message id is its own, so only the delivery id matters for deduplication. */
const messageNew = (id: string) => ({ ...sampleWazapinPayload('message.new'), message_id: `wamid-${id}` });

type ForRootOptions = Parameters<typeof WazapinWebhooksModule.forRoot>[0];

const apps: TestApp[] = [];
async function boot(
  adapter: AdapterName,
  options: Partial<ForRootOptions> = {},
  providers: Type<unknown>[] = [OrdersHandler, CrmHandler],
  appOptions: TestAppOptions = {},
): Promise<TestApp> {
  const app = await startTestApp(adapter, { imports: [WazapinWebhooksModule.forRoot({ secrets: secret, ...options } as ForRootOptions)], providers }, appOptions);
  apps.push(app);
  return app;
}

/** Signs `message.new` `body` under `id` (webhook-* headers) and posts it to the app's `path`. */
function deliver(app: TestApp, id: string, body: object | string = messageNew(id), options: { path?: string; signWith?: string; timestamp?: number } = {}) {
  const signed = signWazapinDelivery({ secret: options.signWith ?? secret, id, body, headers: 'webhook', timestamp: options.timestamp });
  return app.post(signed.headers, signed.body, options.path ?? '/webhooks/wazapin/message.new');
}

/** The one receive span of delivery `id` that has `outcome`, once it ended. */
async function receiveSpan(id: string, outcome: string): Promise<ReadableSpan> {
  const [span, ...others] = await otel.waitForSpans(RECEIVE, { 'wazapin.delivery_id': id, 'wazapin.outcome': outcome });
  expect(others).toEqual([]);
  return span;
}

/** The handler spans whose parent is `parent`, by name then attempt. */
function handlerSpansUnder(parent: ReadableSpan): ReadableSpan[] {
  return otel
    .childrenOf(parent)
    .filter((span) => span.name.startsWith('wazapin.handler '))
    .sort((a, b) => a.name.localeCompare(b.name) || Number(a.attributes['wazapin.attempt']) - Number(b.attributes['wazapin.attempt']));
}

/** The request-side attributes of a receive span, the contract's keys only. */
function receiveAttributes(span: ReadableSpan): Attributes {
  const keys = ['wazapin.account', 'wazapin.delivery_id', 'wazapin.event_type', 'wazapin.tenant', 'wazapin.outcome', 'wazapin.rejection', 'http.response.status_code'];
  return Object.fromEntries(keys.filter((key) => span.attributes[key] !== undefined).map((key) => [key, span.attributes[key]]));
}

/** The handler-run attributes of a handler span. */
function handlerAttributes(span: ReadableSpan): Attributes {
  const keys = ['wazapin.handler', 'wazapin.delivery_id', 'wazapin.event_type', 'wazapin.account', 'wazapin.attempt'];
  return Object.fromEntries(keys.filter((key) => span.attributes[key] !== undefined).map((key) => [key, span.attributes[key]]));
}

beforeEach(async () => {
  handlers.reset();
  await otel.reset();
});
/** Resolvers of handlers held open by a test, released before its apps close (also when it failed). */
const held: (() => void)[] = [];
afterEach(async () => {
  held.splice(0).forEach((release) => release());
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe.each(ADAPTERS)("background dispatch on %s: spans and metrics of each request", (adapter) => {
  it('traces an accepted delivery, its duplicate and a forged copy, with the handlers (a retry included) under the receive span, and counts them', async () => {
    handlers.crm = (_event, call) => {
      if (call === 1) {
        throw new Error('crm down #1');
      }
    };
    const app = await boot(adapter, { dispatch: 'background', handlerRetries: { attempts: 2, backoffMs: 1 } });
    const id = freshId('accepted');
    const body = messageNew(id);

    const accepted = await deliver(app, id, body);
    expect(accepted).toMatchObject({ status: 200, json: { received: true } });
    await otel.waitForSpans(handlerSpanName(CRM), { 'wazapin.delivery_id': id, 'wazapin.attempt': 2 });
    await otel.waitForSpans(handlerSpanName(ORDERS), { 'wazapin.delivery_id': id });

    const receive = await receiveSpan(id, 'accepted');
    expect(receive.kind).toBe(SpanKind.SERVER);
    expect(receive.parentSpanContext).toBeUndefined();
    expect(receive.instrumentationScope).toMatchObject({ name: SCOPE, version: PACKAGE_VERSION });
    expect(receiveAttributes(receive)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': id,
      'wazapin.event_type': 'message.new',
      'wazapin.outcome': 'accepted',
      'http.response.status_code': 200,
    });
    expect(receive.status.code).toBe(SpanStatusCode.UNSET);

    // One span per handler run, each a child of the request's receive span: the retry after the backoff too.
    const runs = handlerSpansUnder(receive);
    expect(runs.map((span) => [span.name, span.attributes['wazapin.attempt'], span.status.code])).toEqual([
      [handlerSpanName(CRM), 1, SpanStatusCode.ERROR],
      [handlerSpanName(CRM), 2, SpanStatusCode.UNSET],
      [handlerSpanName(ORDERS), 1, SpanStatusCode.UNSET],
    ]);
    const [crmFailed, crmRetried, orders] = runs;
    for (const span of runs) {
      expect(span.kind).toBe(SpanKind.INTERNAL);
      expect(idsOf(span)).toMatchObject({ traceId: receive.spanContext().traceId, parentSpanId: receive.spanContext().spanId });
      expect(span.instrumentationScope.name).toBe(SCOPE);
    }
    expect(handlerAttributes(crmFailed)).toEqual({
      'wazapin.handler': CRM,
      'wazapin.delivery_id': id,
      'wazapin.event_type': 'message.new',
      'wazapin.account': 'default',
      'wazapin.attempt': 1,
    });
    expect(handlerAttributes(crmRetried)).toMatchObject({ 'wazapin.handler': CRM, 'wazapin.attempt': 2 });
    expect(handlerAttributes(orders)).toMatchObject({ 'wazapin.handler': ORDERS, 'wazapin.attempt': 1 });
    expect(exceptionsOf(crmFailed)).toEqual([expect.objectContaining({ message: 'crm down #1' })]);
    expect(exceptionsOf(crmRetried)).toEqual([]);
    expect(exceptionsOf(orders)).toEqual([]);

    // The handler span is the active span while the handler runs: the handler's own span is its child.
    expect(handlers.runs.find((run) => run.handler === ORDERS && run.id === id)?.activeSpanId).toBe(orders.spanContext().spanId);
    expect(otel.childrenOf(orders).map((span) => span.name)).toEqual(['orders.save']);

    // The same delivery again: a duplicate (200, or 409 while its claim is still being settled), no handler run.
    const copy = await deliver(app, id, body);
    expect([200, 409]).toContain(copy.status);
    if (copy.status === 200) {
      expect(copy.json).toEqual({ received: true, duplicate: true });
    }
    const duplicate = await receiveSpan(id, 'duplicate');
    expect(receiveAttributes(duplicate)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': id,
      'wazapin.event_type': 'message.new',
      'wazapin.outcome': 'duplicate',
      'http.response.status_code': copy.status,
    });
    expect(duplicate.kind).toBe(SpanKind.SERVER);
    expect(handlerSpansUnder(duplicate)).toEqual([]);

    // Signed with a secret the app does not have: rejected before anything is verified.
    const forged = await deliver(app, id, body, { signWith: otherSecret });
    expect(forged.status).toBe(401);
    const rejected = await receiveSpan(id, 'rejected');
    expect(receiveAttributes(rejected)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': id,
      'wazapin.outcome': 'rejected',
      'wazapin.rejection': 'no-matching-signature',
      'http.response.status_code': 401,
    });
    expect(rejected.status.code).toBe(SpanStatusCode.UNSET);
    expect(handlerSpansUnder(rejected)).toEqual([]);
    expect(otel.named(RECEIVE)).toHaveLength(3);

    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'message.new', account: 'default' })).toBe(1);
    expect(otel.sum(DELIVERIES, { outcome: 'duplicate', event_type: 'message.new', account: 'default' })).toBe(1);
    expect(otel.sum(DELIVERIES, { outcome: 'rejected', event_type: 'unknown', account: 'default', rejection: 'no-matching-signature' })).toBe(1);
    expect(otel.points(DELIVERIES).reduce((total, point) => total + (point.value ?? 0), 0)).toBe(3);
    expect(otel.points(DELIVERIES)[0]).toMatchObject({ unit: '{delivery}', scope: SCOPE });

    const run = (handler: string, outcome: string) => ({ handler, event_type: 'message.new', account: 'default', outcome });
    expect(otel.histogramCount(HANDLER_DURATION, run(CRM, 'error'))).toBe(1);
    expect(otel.histogramCount(HANDLER_DURATION, run(CRM, 'success'))).toBe(1);
    expect(otel.histogramCount(HANDLER_DURATION, run(ORDERS, 'success'))).toBe(1);
    expect(otel.points(HANDLER_DURATION).reduce((total, point) => total + (point.histogram?.count ?? 0), 0)).toBe(3);
    expect(otel.points(HANDLER_DURATION)[0]).toMatchObject({ unit: 'ms', scope: SCOPE });

    // One delay per verified delivery: the accepted one and its duplicate, not the forged copy.
    expect(otel.histogramCount(DELAY, { event_type: 'message.new', account: 'default' })).toBe(2);
    expect(otel.points(DELAY).reduce((total, point) => total + (point.histogram?.count ?? 0), 0)).toBe(2);
    expect(otel.points(DELAY)[0]).toMatchObject({ unit: 'ms', scope: SCOPE });
    for (const delay of otel.histograms(DELAY, { event_type: 'message.new', account: 'default' })) {
      // Signed "now", in whole seconds: the delay is under a few seconds, never negative.
      expect(delay.min).toBeGreaterThanOrEqual(0);
      expect(delay.max).toBeLessThan(5000);
    }
  });

  it('records every failed run of a dead-lettered delivery, counts the dead letter in the gauge, and parents a replay to the span active where replay was called', async () => {
    handlers.crm = (_event, call) => {
      throw new Error(`crm down #${call}`);
    };
    const app = await boot(adapter, { dispatch: 'background', handlerRetries: { attempts: 2, backoffMs: 1 } });
    const deadLetters = app.app.get(ModuleRef).get(WazapinDeadLetters, { strict: false });
    const id = freshId('doomed');
    expect((await deliver(app, id)).status).toBe(200);
    await waitUntil('the dead letter', async () => (await deadLetters.count()) === 1);
    await otel.waitForSpans(handlerSpanName(CRM), { 'wazapin.delivery_id': id }, 2);

    const receive = await receiveSpan(id, 'accepted');
    const crmRuns = handlerSpansUnder(receive).filter((span) => span.name === handlerSpanName(CRM));
    expect(crmRuns.map((span) => [span.attributes['wazapin.attempt'], span.status.code])).toEqual([
      [1, SpanStatusCode.ERROR],
      [2, SpanStatusCode.ERROR],
    ]);
    expect(crmRuns.map((span) => exceptionsOf(span).map((exception) => exception.message))).toEqual([['crm down #1'], ['crm down #2']]);

    await otel.collect();
    expect(otel.gauge(DEAD_LETTERS, { account: 'default' })).toBe(1);
    // No queue in background mode, so no waiting jobs to report.
    expect(otel.points(QUEUE_WAITING)).toEqual([]);
    expect(otel.histogramCount(HANDLER_DURATION, { handler: CRM, event_type: 'message.new', account: 'default', outcome: 'error' })).toBe(2);

    handlers.crm = succeeds;
    const [letter] = (await deadLetters.list()).deadLetters;
    let adminSpan: ReadableSpan | undefined;
    const replay = await otel.tracer.startActiveSpan('admin.replay-dead-letter', async (span) => {
      adminSpan = span as unknown as ReadableSpan;
      try {
        return await deadLetters.replay(letter.id);
      } finally {
        span.end();
      }
    });
    expect(replay.outcome).toBe('handled');
    await otel.waitForSpans(handlerSpanName(CRM), { 'wazapin.delivery_id': id }, 3);
    const underAdmin = otel.childrenOf(adminSpan!);
    expect(underAdmin.map((span) => span.name)).toEqual([handlerSpanName(CRM)]);
    expect(underAdmin[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(handlerAttributes(underAdmin[0])).toMatchObject({ 'wazapin.handler': CRM, 'wazapin.delivery_id': id, 'wazapin.account': 'default' });

    await otel.collect();
    expect(otel.gauge(DEAD_LETTERS, { account: 'default' })).toBe(0);
  });

  it('is the INTERNAL child of the span active around the request (as an HTTP instrumentation makes), with the handlers still under it', async () => {
    const app = await boot(adapter, { dispatch: 'background' });
    const serverSpans = traceRequestsAsHttpInstrumentation(app.app.getHttpServer() as Server, otel.tracer);
    const id = freshId('nested');
    expect((await deliver(app, id)).status).toBe(200);
    await otel.waitForSpans(handlerSpanName(CRM), { 'wazapin.delivery_id': id });
    await otel.waitForSpans(handlerSpanName(ORDERS), { 'wazapin.delivery_id': id });
    await waitUntil('the server span to end', () => otel.spans().some((span) => span.spanContext().spanId === serverSpans[0]?.spanContext().spanId));

    expect(serverSpans).toHaveLength(1);
    const receive = await receiveSpan(id, 'accepted');
    expect(receive.kind).toBe(SpanKind.INTERNAL);
    expect(idsOf(receive)).toMatchObject({ traceId: serverSpans[0].spanContext().traceId, parentSpanId: serverSpans[0].spanContext().spanId });
    expect(otel.childrenOf(serverSpans[0]).map((span) => span.name)).toEqual([RECEIVE]);
    expect(handlerSpansUnder(receive).map((span) => span.name)).toEqual([handlerSpanName(CRM), handlerSpanName(ORDERS)]);
  });

  it('traces a signed body the HTTP server could not parse (refused before the route ran) as invalid, 400', async () => {
    const app = await boot(adapter, { dispatch: 'background' });
    const id = freshId('not-json');
    const response = await deliver(app, id, '{"message_id": "wamid-1", oops');
    expect(response.status).toBe(400);
    const receive = await receiveSpan(id, 'invalid');
    expect(receiveAttributes(receive)).toMatchObject({ 'wazapin.account': 'default', 'wazapin.delivery_id': id, 'http.response.status_code': 400 });
    expect(receive.attributes['wazapin.rejection']).toBeUndefined();
    expect(handlerSpansUnder(receive)).toEqual([]);
    await otel.collect();
    expect(otel.points(DELIVERIES).map((point) => point.attributes.outcome)).toEqual(['invalid']);
    expect(handlers.runs).toEqual([]);
  });
  it("traces a body over the HTTP server's own limit (refused before the route ran) as rejected too-large, 413", async () => {
    const app = await boot(adapter, { dispatch: 'background', maxBodyBytes: 4 * 1024 * 1024 });
    const id = freshId('huge');
    // Express's parser stops at 100 KB, Fastify's at 1 MiB: both below the module's limit here.
    const padding = 'x'.repeat(adapter === 'express' ? 200_000 : 1_200_000);
    expect((await deliver(app, id, { ...messageNew(id), padding })).status).toBe(413);
    const span = await receiveSpan(id, 'rejected');
    expect(receiveAttributes(span)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': id,
      'wazapin.outcome': 'rejected',
      'wazapin.rejection': 'too-large',
      'http.response.status_code': 413,
    });
    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'rejected', event_type: 'unknown', account: 'default', rejection: 'too-large' })).toBe(1);
    expect(handlers.runs).toEqual([]);
  });
});

describe.each(ADAPTERS)('inline dispatch on %s', (adapter) => {
  it('runs the handler spans under the receive span, ended by the time the answer arrives', async () => {
    const app = await boot(adapter, { dispatch: 'inline' });
    const id = freshId('inline');
    expect(await deliver(app, id)).toMatchObject({ status: 200, json: { received: true } });
    // The answer waits for the handlers: their spans (and the spans of their work) have ended when it arrives.
    expect(otel.named(handlerSpanName(CRM), { 'wazapin.delivery_id': id })).toHaveLength(1);
    expect(otel.named(handlerSpanName(ORDERS), { 'wazapin.delivery_id': id })).toHaveLength(1);
    expect(otel.named('orders.save')).toHaveLength(1);

    const receive = await receiveSpan(id, 'accepted');
    const runs = handlerSpansUnder(receive);
    expect(runs.map((span) => [span.name, span.attributes['wazapin.attempt'], span.status.code])).toEqual([
      [handlerSpanName(CRM), 1, SpanStatusCode.UNSET],
      [handlerSpanName(ORDERS), 1, SpanStatusCode.UNSET],
    ]);
    expect(runs.map((span) => span.kind)).toEqual([SpanKind.INTERNAL, SpanKind.INTERNAL]);
    expect(otel.childrenOf(runs[1]).map((span) => span.name)).toEqual(['orders.save']);
  });

  it('reports neither gauge for an inline registration: no dead letters (the platform retries), no queue', async () => {
    const app = await boot(adapter, { name: `inline_${adapter}`, path: `webhooks/inline-${adapter}`, dispatch: 'inline' });
    const id = freshId('inline-gauges');
    expect((await deliver(app, id, messageNew(id), { path: `/webhooks/inline-${adapter}/message.new` })).status).toBe(200);
    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'message.new', account: `inline_${adapter}` })).toBe(1);
    expect(otel.points(DEAD_LETTERS).filter((point) => point.attributes.account === `inline_${adapter}`)).toEqual([]);
    expect(otel.points(QUEUE_WAITING).filter((point) => point.attributes.account === `inline_${adapter}`)).toEqual([]);
  });

  it('answers 500 when a handler fails: outcome failed, status ERROR on the receive span and the handler span, the exception recorded', async () => {
    handlers.crm = () => {
      throw new Error('crm rejected the contact');
    };
    const app = await boot(adapter, { dispatch: 'inline' });
    const id = freshId('inline-failed');
    expect((await deliver(app, id)).status).toBe(500);
    const receive = await receiveSpan(id, 'failed');
    expect(receiveAttributes(receive)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': id,
      'wazapin.event_type': 'message.new',
      'wazapin.outcome': 'failed',
      'http.response.status_code': 500,
    });
    expect(receive.status.code).toBe(SpanStatusCode.ERROR);
    const [crm, orders] = handlerSpansUnder(receive);
    expect(crm.name).toBe(handlerSpanName(CRM));
    expect(crm.status.code).toBe(SpanStatusCode.ERROR);
    expect(exceptionsOf(crm)).toEqual([expect.objectContaining({ message: 'crm rejected the contact' })]);
    expect(orders.status.code).toBe(SpanStatusCode.UNSET);

    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'failed', event_type: 'message.new', account: 'default' })).toBe(1);
    expect(otel.histogramCount(HANDLER_DURATION, { handler: CRM, event_type: 'message.new', account: 'default', outcome: 'error' })).toBe(1);
    expect(otel.histogramCount(HANDLER_DURATION, { handler: ORDERS, event_type: 'message.new', account: 'default', outcome: 'success' })).toBe(1);
  });
});

describe.each(ADAPTERS)('rejected requests on %s', (adapter) => {
  it('rejected: each check a request fails names itself in wazapin.rejection, the counter keeps event_type unknown', async () => {
    const app = await boot(adapter, { dispatch: 'inline', maxBodyBytes: 2048 });
    const cases: { label: string; status: number; rejection: string; send(id: string): Promise<{ status: number }> }[] = [
      {
        label: 'no signature header',
        status: 400,
        rejection: 'headers-missing',
        send: (id) => {
          const { 'webhook-signature': _signature, ...headers } = signWazapinDelivery({ secret, id, body: messageNew(id), headers: 'webhook' }).headers;
          return app.post(headers, JSON.stringify(messageNew(id)), '/webhooks/wazapin/message.new');
        },
      },
      {
        label: 'a text/plain body',
        status: 415,
        rejection: 'media-type',
        send: (id) => {
          const signed = signWazapinDelivery({ secret, id, body: messageNew(id), headers: 'webhook' });
          return app.post({ ...signed.headers, 'content-type': 'text/plain' }, signed.body, '/webhooks/wazapin/message.new');
        },
      },
      {
        label: 'a body over maxBodyBytes',
        status: 413,
        rejection: 'too-large',
        send: (id) => deliver(app, id, { ...messageNew(id), padding: 'x'.repeat(4096) }),
      },
      {
        label: 'a timestamp an hour old',
        status: 401,
        rejection: 'timestamp-too-old',
        send: (id) => deliver(app, id, messageNew(id), { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      },
      {
        label: 'a timestamp an hour ahead',
        status: 401,
        rejection: 'timestamp-too-new',
        send: (id) => deliver(app, id, messageNew(id), { timestamp: Math.floor(Date.now() / 1000) + 3600 }),
      },
      {
        label: 'a timestamp that is not a number',
        status: 401,
        rejection: 'invalid-timestamp',
        send: (id) => {
          const signed = signWazapinDelivery({ secret, id, body: messageNew(id), headers: 'webhook' });
          return app.post({ ...signed.headers, 'webhook-timestamp': 'yesterday' }, signed.body, '/webhooks/wazapin/message.new');
        },
      },
    ];
    for (const { label, status, rejection, send } of cases) {
      const id = freshId(rejection);
      expect({ label, status: (await send(id)).status }).toEqual({ label, status });
      const span = await receiveSpan(id, 'rejected');
      expect({ label, attributes: receiveAttributes(span) }).toEqual({
        label,
        attributes: {
          'wazapin.account': 'default',
          'wazapin.delivery_id': id,
          'wazapin.outcome': 'rejected',
          'wazapin.rejection': rejection,
          'http.response.status_code': status,
        },
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }

    await otel.collect();
    for (const { rejection } of cases) {
      expect({ rejection, count: otel.sum(DELIVERIES, { outcome: 'rejected', event_type: 'unknown', account: 'default', rejection }) }).toEqual({
        rejection,
        count: 1,
      });
    }
    expect(otel.points(DELIVERIES).reduce((total, point) => total + (point.value ?? 0), 0)).toBe(cases.length);
    // Nothing verified, no delay.
    expect(otel.points(DELAY)).toEqual([]);
    expect(handlers.runs).toEqual([]);
  });
});

describe('handler failures of every kind (Express, inline)', () => {
  it('a handler timing out: status ERROR and the duration counted as timeout; a thrown string recorded by its message', async () => {
    handlers.crm = () => sleep(600);
    handlers.orders = () => {
      throw 'orders said no';
    };
    const app = await boot('express', { dispatch: 'inline', handlerTimeoutMs: 150 });
    const id = freshId('timeout');
    expect((await deliver(app, id)).status).toBe(500);
    const receive = await receiveSpan(id, 'failed');
    expect(receive.status.code).toBe(SpanStatusCode.ERROR);
    await waitUntil('both handler spans', () => handlerSpansUnder(receive).length === 2);
    const [crm, orders] = handlerSpansUnder(receive);
    expect(crm.status.code).toBe(SpanStatusCode.ERROR);
    expect(exceptionsOf(crm)).toHaveLength(1);
    expect(orders.status.code).toBe(SpanStatusCode.ERROR);
    expect(exceptionsOf(orders)).toEqual([expect.objectContaining({ message: expect.stringContaining('orders said no') })]);

    await otel.collect();
    const run = (handler: string, outcome: string) => ({ handler, event_type: 'message.new', account: 'default', outcome });
    expect(otel.histogramCount(HANDLER_DURATION, run(CRM, 'timeout'))).toBe(1);
    expect(otel.histogramCount(HANDLER_DURATION, run(ORDERS, 'error'))).toBe(1);
  });
  it('records whatever a handler throws by its printable message, and nothing it throws crashes the process or the trace', async () => {
    const crashes: unknown[] = [];
    const onCrash = (reason: unknown) => crashes.push(reason);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    try {
      let value: () => unknown = () => undefined;
      handlers.crm = () => {
        throw value();
      };
      const app = await boot('express', { dispatch: 'inline' });
      for (const [label, make] of HOSTILE) {
        value = make;
        const id = freshId('hostile');
        expect({ label, status: (await deliver(app, id)).status }).toEqual({ label, status: 500 });
        const receive = await receiveSpan(id, 'failed');
        const crm = handlerSpansUnder(receive).find((span) => span.name === handlerSpanName(CRM));
        const exceptions = crm ? exceptionsOf(crm) : [];
        expect({ label, status: crm?.status.code, exceptions: exceptions.length }).toEqual({ label, status: SpanStatusCode.ERROR, exceptions: 1 });
        expect({ label, message: typeof exceptions[0].message }).toEqual({ label, message: 'string' });
        expect((exceptions[0].message as string).length).toBeGreaterThan(0);
        if (label === 'a string') {
          expect(exceptions[0].message).toContain('boom from a string');
        }
      }
      // The app still answers.
      handlers.crm = succeeds;
      expect((await deliver(app, freshId('after'))).status).toBe(200);
      await sleep(50);
      expect(crashes).toEqual([]);
    } finally {
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
    }
  });
});

describe('the other outcomes of a request (Express)', () => {
  it('stale: a status update below the one handled (statusOrder drop)', async () => {
    const app = await boot('express', { dispatch: 'inline', statusOrder: 'drop' }, [StatusHandler]);
    const status = (status: string) => ({ message_id: 'wamid-stale', conversation_id: 'conv_1', status, organization_id: 'org_1' });
    const route = { path: '/webhooks/wazapin/message.status_update' };
    const readId = freshId('read');
    const lateId = freshId('late');
    expect((await deliver(app, readId, status('read'), route)).json).toEqual({ received: true });
    expect((await deliver(app, lateId, status('delivered'), route)).json).toEqual({ received: true, stale: true });

    const stale = await receiveSpan(lateId, 'stale');
    expect(receiveAttributes(stale)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': lateId,
      'wazapin.event_type': 'message.status_update',
      'wazapin.outcome': 'stale',
      'http.response.status_code': 200,
    });
    expect(handlerSpansUnder(stale)).toEqual([]);
    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'stale', event_type: 'message.status_update', account: 'default' })).toBe(1);
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'message.status_update', account: 'default' })).toBe(1);
    expect(otel.histogramCount(DELAY, { event_type: 'message.status_update', account: 'default' })).toBe(2);
  });

  it('invalid: a payload validatePayloads refuses (200), and a body that is not a JSON object (400)', async () => {
    const app = await boot('express', { dispatch: 'inline', validatePayloads: true });
    const badId = freshId('invalid');
    expect((await deliver(app, badId, { ...messageNew(badId), message_id: 12 })).json).toEqual({ received: true, invalid: true });
    const invalid = await receiveSpan(badId, 'invalid');
    expect(receiveAttributes(invalid)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': badId,
      'wazapin.event_type': 'message.new',
      'wazapin.outcome': 'invalid',
      'http.response.status_code': 200,
    });
    expect(handlerSpansUnder(invalid)).toEqual([]);

    const arrayId = freshId('array');
    expect((await deliver(app, arrayId, '[1,2,3]')).status).toBe(400);
    const notObject = await receiveSpan(arrayId, 'invalid');
    expect(notObject.attributes['http.response.status_code']).toBe(400);
    expect(notObject.attributes['wazapin.rejection']).toBeUndefined();

    await otel.collect();
    expect(otel.points(DELIVERIES).filter((point) => point.attributes.outcome === 'invalid').reduce((total, point) => total + (point.value ?? 0), 0)).toBe(2);
    expect(otel.sum(DELIVERIES, { outcome: 'invalid', event_type: 'message.new', account: 'default' })).toBeGreaterThanOrEqual(1);
    expect(handlers.runs).toEqual([]);
  });

  it('rejected: a request without any webhook header has no delivery id, and a long id is cut to 128 characters', async () => {
    const app = await boot('express', { dispatch: 'inline' });
    expect((await app.post({ 'content-type': 'application/json' }, JSON.stringify(messageNew('none')), '/webhooks/wazapin/message.new')).status).toBe(400);
    const [bare] = await otel.waitForSpans(RECEIVE, { 'wazapin.rejection': 'headers-missing' });
    expect(receiveAttributes(bare)).toEqual({
      'wazapin.account': 'default',
      'wazapin.outcome': 'rejected',
      'wazapin.rejection': 'headers-missing',
      'http.response.status_code': 400,
    });

    const longId = `msg_${'x'.repeat(300)}`;
    expect((await deliver(app, longId, messageNew('long'), { signWith: otherSecret })).status).toBe(401);
    const [long] = await otel.waitForSpans(RECEIVE, { 'wazapin.outcome': 'rejected', 'http.response.status_code': 401 });
    expect(long.attributes['wazapin.rejection']).toBe('no-matching-signature');
    expect(long.attributes['wazapin.delivery_id']).toBe(longId.slice(0, 128));
  });

  it('rejected: an app without rawBody answers 500 raw-body-missing, status ERROR', async () => {
    const app = await boot('express', { dispatch: 'inline' }, [OrdersHandler, CrmHandler], { rawBody: false });
    const id = freshId('no-raw');
    expect((await deliver(app, id)).status).toBe(500);
    const span = await receiveSpan(id, 'rejected');
    expect(span.attributes['wazapin.rejection']).toBe('raw-body-missing');
    expect(span.attributes['http.response.status_code']).toBe(500);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'rejected', event_type: 'unknown', account: 'default', rejection: 'raw-body-missing' })).toBe(1);
  });

  it('unavailable: 503 when the dedupe store cannot be reached, status ERROR, counted with its verified type', async () => {
    const port = await freePort();
    const app = await boot('express', { dispatch: 'inline', idempotency: { store: new RedisIdempotencyStore(`redis://127.0.0.1:${port}`) } });
    const id = freshId('unavailable');
    expect((await deliver(app, id)).status).toBe(503);
    const span = await receiveSpan(id, 'unavailable');
    expect(receiveAttributes(span)).toEqual({
      'wazapin.account': 'default',
      'wazapin.delivery_id': id,
      'wazapin.event_type': 'message.new',
      'wazapin.outcome': 'unavailable',
      'http.response.status_code': 503,
    });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(handlerSpansUnder(span)).toEqual([]);
    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'unavailable', event_type: 'message.new', account: 'default' })).toBe(1);
    expect(otel.histogramCount(DELAY, { event_type: 'message.new', account: 'default' })).toBe(1);
  });

  it('duplicate: a copy arriving while the first is still handled is answered 409, outcome duplicate, status unset', async () => {
    const gate = deferred();
    held.push(() => gate.resolve());
    handlers.hold = gate.promise;
    const app = await boot('express', { dispatch: 'background' });
    const id = freshId('in-flight');
    const body = messageNew(id);
    expect((await deliver(app, id, body)).status).toBe(200);
    await waitUntil('the handler to start', () => handlers.count(ORDERS, id) === 1);
    expect((await deliver(app, id, body)).status).toBe(409);
    const copy = await receiveSpan(id, 'duplicate');
    expect(copy.attributes['http.response.status_code']).toBe(409);
    expect(copy.status.code).toBe(SpanStatusCode.UNSET);
    gate.resolve();
    await otel.waitForSpans(handlerSpanName(ORDERS), { 'wazapin.delivery_id': id });
    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'duplicate', event_type: 'message.new', account: 'default' })).toBe(1);
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'message.new', account: 'default' })).toBe(1);
  });

  it('unavailable: a delivery arriving while the app shuts down (waiting for a background handler) is answered 503', async () => {
    const gate = deferred();
    held.push(() => gate.resolve());
    handlers.hold = gate.promise;
    const app = await boot('express', { dispatch: 'background' });
    const first = freshId('before-shutdown');
    expect((await deliver(app, first)).status).toBe(200);
    await waitUntil('the handler to start', () => handlers.count(ORDERS, first) === 1);
    apps.splice(apps.indexOf(app), 1);
    const closing = app.close();
    try {
      // Shutdown starts with app.close(): the first delivery after that point is answered 503.
      let late = '';
      await waitUntil('a delivery answered 503 while the app shuts down', async () => {
        late = freshId('during-shutdown');
        return (await deliver(app, late)).status === 503;
      });
      const span = await receiveSpan(late, 'unavailable');
      expect(receiveAttributes(span)).toEqual({
        'wazapin.account': 'default',
        'wazapin.delivery_id': late,
        'wazapin.event_type': 'message.new',
        'wazapin.outcome': 'unavailable',
        'http.response.status_code': 503,
      });
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      await otel.collect();
      expect(otel.sum(DELIVERIES, { outcome: 'unavailable', event_type: 'message.new', account: 'default' })).toBe(1);
    } finally {
      gate.resolve();
      await closing;
    }
  });

  it('records one delay per verified delivery, whatever its outcome but rejected: invalid bodies and a timestamp ahead included', async () => {
    const app = await boot('express', { dispatch: 'inline', validatePayloads: true });
    const ahead = freshId('ahead');
    expect((await deliver(app, ahead, messageNew(ahead), { timestamp: Math.floor(Date.now() / 1000) + 60 })).status).toBe(200);
    const badPayload = freshId('bad-payload');
    expect((await deliver(app, badPayload, { ...messageNew(badPayload), message_id: 12 })).json).toEqual({ received: true, invalid: true });
    const notObject = freshId('not-object');
    expect((await deliver(app, notObject, '[1,2,3]')).status).toBe(400);
    const notJson = freshId('not-json');
    expect((await deliver(app, notJson, '{"message_id": oops')).status).toBe(400);
    const forged = freshId('forged');
    expect((await deliver(app, forged, messageNew(forged), { signWith: otherSecret })).status).toBe(401);
    for (const [id, outcome] of [[ahead, 'accepted'], [badPayload, 'invalid'], [notObject, 'invalid'], [notJson, 'invalid'], [forged, 'rejected']]) {
      await receiveSpan(id, outcome);
    }

    await otel.collect();
    const delays = otel.points(DELAY).reduce((total, point) => total + (point.histogram?.count ?? 0), 0);
    const verified = otel.points(DELIVERIES).filter((point) => point.attributes.outcome !== 'rejected').reduce((total, point) => total + (point.value ?? 0), 0);
    expect({ delays, verified }).toEqual({ delays: 4, verified: 4 });
    expect(Math.min(...otel.points(DELAY).map((point) => point.histogram?.min ?? Infinity))).toBeGreaterThanOrEqual(0);
  });

  it('the delay is the time received minus the delivery timestamp', async () => {
    const app = await boot('express', { dispatch: 'inline' });
    const signedAt = Math.floor(Date.now() / 1000) - 120;
    const id = freshId('late');
    expect((await deliver(app, id, messageNew(id), { timestamp: signedAt })).status).toBe(200);
    const receivedBy = Date.now();
    await otel.collect();
    const [delay] = otel.histograms(DELAY, { event_type: 'message.new', account: 'default' });
    expect(delay.count).toBe(1);
    expect(delay.min).toBeGreaterThanOrEqual(120_000);
    expect(delay.max).toBeLessThanOrEqual(receivedBy - signedAt * 1000);
  });

  it('names the registration in every span and metric of a named account, and the tenant of a tenants registration', async () => {
    const app = await startTestApp('express', {
      imports: [
        WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: secret, dispatch: 'inline' }),
        WazapinWebhooksModule.forRoot({
          name: 'saas',
          path: 'webhooks/saas',
          dispatch: 'inline',
          tenants: { secrets: (tenant: string) => (tenant === 'customer-42' ? secret : undefined) },
        } as WazapinWebhooksModuleOptions),
      ],
      providers: [CrmHandler],
    });
    apps.push(app);
    const acmeId = freshId('acme');
    expect((await deliver(app, acmeId, messageNew(acmeId), { path: '/webhooks/acme/message.new' })).status).toBe(200);
    const acme = await receiveSpan(acmeId, 'accepted');
    expect(acme.attributes['wazapin.account']).toBe('acme');
    expect(acme.attributes['wazapin.tenant']).toBeUndefined();
    expect(handlerSpansUnder(acme).map(handlerAttributes)).toEqual([
      { 'wazapin.handler': CRM, 'wazapin.delivery_id': acmeId, 'wazapin.event_type': 'message.new', 'wazapin.account': 'acme', 'wazapin.attempt': 1 },
    ]);

    const tenantId = freshId('tenant');
    expect((await deliver(app, tenantId, messageNew(tenantId), { path: '/webhooks/saas/customer-42/message.new' })).status).toBe(200);
    const tenant = await receiveSpan(tenantId, 'accepted');
    expect(receiveAttributes(tenant)).toEqual({
      'wazapin.account': 'saas',
      'wazapin.tenant': 'customer-42',
      'wazapin.delivery_id': tenantId,
      'wazapin.event_type': 'message.new',
      'wazapin.outcome': 'accepted',
      'http.response.status_code': 200,
    });

    const strangerId = freshId('stranger');
    expect((await deliver(app, strangerId, messageNew(strangerId), { path: '/webhooks/saas/customer-7/message.new' })).status).toBe(404);
    const stranger = await receiveSpan(strangerId, 'rejected');
    expect(stranger.attributes['wazapin.rejection']).toBe('unknown-tenant');
    expect(stranger.attributes['wazapin.account']).toBe('saas');
    expect(stranger.attributes['wazapin.tenant']).toBeUndefined();

    await otel.collect();
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'message.new', account: 'acme' })).toBe(1);
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'message.new', account: 'saas' })).toBe(1);
    expect(otel.sum(DELIVERIES, { outcome: 'rejected', event_type: 'unknown', account: 'saas', rejection: 'unknown-tenant' })).toBe(1);
    expect(otel.histogramCount(HANDLER_DURATION, { handler: CRM, event_type: 'message.new', account: 'acme', outcome: 'success' })).toBe(1);
    expect(otel.histogramCount(DELAY, { event_type: 'message.new', account: 'saas' })).toBe(1);
  });
});

describe('bounded event_type values (Express)', () => {
  it('reports the first 50 made-up event types a registration sees as themselves, later ones as unknown, catalogued ones always as themselves', async () => {
    const app = await boot('express', { dispatch: 'inline' }, [AnyEventHandler]);
    const types = Array.from({ length: 60 }, (_, i) => `made_up.kind_${String(i + 1).padStart(2, '0')}`);
    for (const type of types) {
      const id = freshId(type);
      const response = await deliver(app, id, { some_id: id }, { path: `/webhooks/wazapin/${type}` });
      expect({ type, status: response.status }).toEqual({ type, status: 200 });
    }
    const catalogued = freshId('catalogued');
    expect((await deliver(app, catalogued)).status).toBe(200);
    // Spans keep the type as resolved.
    const [last] = await otel.waitForSpans(RECEIVE, { 'wazapin.event_type': types[59] });
    expect(last.attributes['wazapin.outcome']).toBe('accepted');

    await otel.collect();
    const reported = otel.points(DELIVERIES).map((point) => String(point.attributes.event_type));
    const madeUp = new Set(reported.filter((type) => type !== 'unknown' && !CATALOGUE.includes(type)));
    expect(madeUp.size).toBeLessThanOrEqual(50);
    expect([...madeUp].sort()).toEqual(types.slice(0, 50));
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'unknown', account: 'default' })).toBe(10);
    expect(otel.sum(DELIVERIES, { outcome: 'accepted', event_type: 'message.new', account: 'default' })).toBe(1);
    const delayed = new Set(otel.points(DELAY).map((point) => String(point.attributes.event_type)));
    expect([...delayed].filter((type) => type !== 'unknown' && !CATALOGUE.includes(type)).length).toBeLessThanOrEqual(50);
    expect(delayed.has('unknown')).toBe(true);
    const durations = new Set(otel.points(HANDLER_DURATION).map((point) => String(point.attributes.event_type)));
    expect([...durations].filter((type) => type !== 'unknown' && !CATALOGUE.includes(type)).length).toBeLessThanOrEqual(50);
  });
});
