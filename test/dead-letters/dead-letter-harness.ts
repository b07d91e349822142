/**
 * What the dead-letter e2e specs share (issue 14, "handlerRetries" and "Dead letters"): two
 * handlers of `message.new` whose behaviour each test sets, apps booted with the module and
 * EventEmitterModule, the dead letters they emitted, and deliveries of fresh (or repeated) events.
 */
import { Injectable, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import {
  OnWazapinEvent,
  WazapinDeadLetters,
  WazapinWebhookEvents,
  WazapinWebhooksModule,
  type WazapinDeadLetter,
  type WazapinEvent,
} from '../../lib/index.js';
import { deliverWazapinEvent, generateWazapinSecret, type WazapinDeliveryResult } from '../../lib/testing/index.js';
import { waitUntil } from '../support/wait-until.js';
import { startTestApp, type AdapterName, type TestApp } from '../support/webhook-app.js';

export const secret = generateWazapinSecret();
export type ForRootOptions = Parameters<typeof WazapinWebhooksModule.forRoot>[0];

/** The handlers' names, as the module names them (`ClassName.method`). */
export const ORDERS = 'OrdersHandler.onMessage';
export const AUDIT = 'AuditHandler.record';
/** `WazapinWebhookEvents.DeadLettered`, by the name the contract gives it. */
export const DEAD_LETTERED = 'wazapin.dead-lettered';
/** Retries fast enough for tests: 10–20 ms, then 25–50 ms. */
export const FAST_RETRIES = { backoffMs: 20, maxBackoffMs: 50 } as const;

type HandlerName = 'orders' | 'audit';
/** What a handler does on its `call`-th run for a delivery id (1 first): return to succeed, throw to fail. */
export type Behaviour = (event: WazapinEvent<'message.new'>, call: number) => void;

/** Fails every run with `message #<call>`, so each failure's error tells which run it was. */
export const alwaysFails =
  (message = 'orders down'): Behaviour =>
  (_event, call) => {
    throw new Error(`${message} #${call}`);
  };
export const succeeds: Behaviour = () => undefined;

export interface Run {
  handler: HandlerName;
  id: string;
  account: string;
  event: WazapinEvent<'message.new'>;
  /** Date.now() when the run started. */
  at: number;
}

/** Every run of the two handlers, in every app of the process; reset before each test. */
export const handlers = {
  runs: [] as Run[],
  orders: succeeds,
  audit: succeeds,
  /** Holds `OrdersHandler.onMessage` open while set. */
  hold: undefined as Promise<void> | undefined,
  reset(): void {
    this.runs = [];
    this.orders = succeeds;
    this.audit = succeeds;
    this.hold = undefined;
  },
  /** Runs of `handler` for the delivery `id`. */
  count(handler: HandlerName, id: string): number {
    return this.runs.filter((run) => run.handler === handler && run.id === id).length;
  },
  of(handler: HandlerName, id: string): Run[] {
    return this.runs.filter((run) => run.handler === handler && run.id === id);
  },
};

async function run(handler: HandlerName, event: WazapinEvent<'message.new'>): Promise<void> {
  handlers.runs.push({ handler, id: event.id, account: event.account, event, at: Date.now() });
  const call = handlers.count(handler, event.id);
  if (handler === 'orders') {
    await handlers.hold;
  }
  handlers[handler](event, call);
}

@Injectable()
export class OrdersHandler {
  @OnWazapinEvent('message.new')
  async onMessage(event: WazapinEvent<'message.new'>) {
    await run('orders', event);
  }
}

@Injectable()
export class AuditHandler {
  @OnWazapinEvent('message.new')
  async record(event: WazapinEvent<'message.new'>) {
    await run('audit', event);
  }
}

let sequence = 0;
/** A delivery id used once in the process. */
export const freshId = (label: string) => `msg_${label}_${++sequence}_${Date.now().toString(36)}`;

export type Sent = WazapinDeliveryResult<'message.new'>;

export interface DeadLetterApp extends TestApp {
  /** The registration's `WazapinDeadLetters`, injected by class. */
  deadLetters: WazapinDeadLetters;
  /** What was emitted as `wazapin.dead-lettered` on this app. */
  emitted: WazapinDeadLetter[];
  /** A fresh `message.new` (new delivery id and message id) posted to `<base>/message.new`. */
  send(label?: string, base?: string): Promise<Sent>;
  /** The same delivery again (same id and payload), signed afresh, as the platform retries it. */
  resend(sent: Sent): Promise<Sent>;
}

/**
 * A provider of the app, found in any module. Through ModuleRef, since the app's own `get` ends
 * the process when it finds nothing (Nest's abortOnError), where a test should just fail.
 */
export function resolveProvider<T>(app: TestApp, token: Type<T> | string | symbol): T {
  return app.app.get(ModuleRef).get<T>(token, { strict: false });
}

/** Subscribes to `wazapin.dead-lettered` on an app's EventEmitter2. */
export function recordDeadLettered(app: TestApp): WazapinDeadLetter[] {
  const emitted: WazapinDeadLetter[] = [];
  app.app.get(EventEmitter2).on(WazapinWebhookEvents.DeadLettered, (deadLetter: WazapinDeadLetter) => emitted.push(deadLetter));
  return emitted;
}

/** Boots an app with one registration of `options` (secret given), both handlers and EventEmitterModule. */
export async function startDeadLetterApp(
  adapter: AdapterName,
  options: Partial<ForRootOptions>,
  metadata: ModuleMetadata = {},
): Promise<DeadLetterApp> {
  const test = await startTestApp(adapter, {
    imports: [EventEmitterModule.forRoot(), WazapinWebhooksModule.forRoot({ secrets: secret, ...options }), ...(metadata.imports ?? [])],
    providers: [OrdersHandler, AuditHandler, ...(metadata.providers ?? [])],
  });
  const url = (base: string) => `${test.url}${base}`;
  let deadLetters: WazapinDeadLetters;
  try {
    deadLetters = resolveProvider(test, WazapinDeadLetters);
  } catch (error) {
    await test.close();
    throw error;
  }
  return {
    ...test,
    deadLetters,
    emitted: recordDeadLettered(test),
    send: (label = 'dl', base = '/webhooks/wazapin') => deliverWazapinEvent({ url: url(base), secret, type: 'message.new', id: freshId(label) }),
    resend: (sent) =>
      deliverWazapinEvent({ url: sent.url.replace(/\/message\.new$/, ''), secret, type: 'message.new', id: sent.delivery.id, payload: sent.payload }),
  };
}

/** Waits until `deadLetters` holds `count` dead letters. */
export function waitForDeadLetters(deadLetters: WazapinDeadLetters, count: number, timeoutMs?: number): Promise<void> {
  return waitUntil(`${count} dead letter(s)`, async () => (await deadLetters.count()) === count, timeoutMs);
}

/** Every dead letter, page by page. */
export async function allDeadLetters(deadLetters: WazapinDeadLetters): Promise<WazapinDeadLetter[]> {
  const all: WazapinDeadLetter[] = [];
  let cursor: string | undefined;
  do {
    const page = await deadLetters.list({ limit: 1000, cursor });
    all.push(...page.deadLetters);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return all;
}

/**
 * Creates and initialises an app context with one registration of `options`, without
 * listening; resolves to the error boot failed with, or undefined when it booted (closed then).
 */
export async function bootError(options: Partial<ForRootOptions>): Promise<unknown> {
  @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret, ...options })], providers: [OrdersHandler, AuditHandler] })
  class ProbeModule {}
  try {
    const context = await NestFactory.createApplicationContext(ProbeModule, { logger: false, abortOnError: false });
    await context.close();
    return undefined;
  } catch (error) {
    return error;
  }
}
