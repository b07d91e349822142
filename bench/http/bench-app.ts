import 'reflect-metadata';
import { Controller, HttpCode, Injectable, type INestApplication, Module, Post, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { OnWazapinEvent } from '../../lib/events/on-wazapin-event.decorator.js';
import type { WazapinEvent } from '../../lib/events/wazapin-event.interface.js';
import { WazapinWebhooksModule } from '../../lib/wazapin-webhooks.module.js';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];

/**
 * Which `@OnWazapinEvent` handlers the app has:
 * - `one`: one no-op handler of `message.status_update`;
 * - `hundred`: that one, plus 100 no-op handlers of other types;
 * - `counting`: one handler of `message.status_update` that counts what it was given.
 */
export type HandlerSet = 'one' | 'hundred' | 'counting';

/** Route of the baseline: the same app, no guard, no work, 204. */
export const BARE_PATH = '/bare';
/** Same app, no guard, no work, 200 with the body the module answers. */
export const BARE_RECEIPT_PATH = '/bare/receipt';
/** Route of the module, as registered by default. */
export const MODULE_PATH = '/webhooks/wazapin';

const UNRELATED_HANDLER_COUNT = 100;
const OTHER_CATALOGUED = ['message.new', 'message.sent', 'conversation.updated', 'contact.updated', 'template.status_update'];

/**
 * The baselines, in the same app: `POST /bare` answers 204 and nothing else (the route the
 * targets compare with); `POST /bare/receipt` answers 200 with the module's own receipt body,
 * to show what the receipt alone costs.
 */
@Controller(BARE_PATH.slice(1))
class BareController {
  @Post()
  @HttpCode(204)
  receive(): void {}

  @Post(BARE_RECEIPT_PATH.slice(BARE_PATH.length + 1))
  @HttpCode(200)
  receipt(): { received: true } {
    return { received: true };
  }
}

@Injectable()
class NoopStatusHandler {
  @OnWazapinEvent('message.status_update')
  onStatus(): void {}
}

/** What the counting handler saw, keyed by event (message id and status). */
export interface HandlerCounts {
  /** Handler invocations. */
  readonly invocations: number;
  /** Distinct events handled. */
  readonly distinct: number;
  /** Events handled more than once: must be zero. */
  readonly handledMoreThanOnce: number;
}

@Injectable()
export class CountingStatusHandler {
  private readonly byEvent = new Map<string, number>();
  private invocations = 0;

  @OnWazapinEvent('message.status_update')
  onStatus(event: WazapinEvent<'message.status_update'>): void {
    this.invocations++;
    const key = `${event.payload.message_id}:${event.payload.status}`;
    this.byEvent.set(key, (this.byEvent.get(key) ?? 0) + 1);
  }

  counts(): HandlerCounts {
    let handledMoreThanOnce = 0;
    for (const count of this.byEvent.values()) {
      if (count > 1) {
        handledMoreThanOnce++;
      }
    }
    return { invocations: this.invocations, distinct: this.byEvent.size, handledMoreThanOnce };
  }
}

/**
 * A provider with `count` no-op handlers of types other than `message.status_update`: half
 * spread over the other catalogued types, half on a type of their own each.
 */
function unrelatedHandlers(count: number): Type<unknown> {
  @Injectable()
  class UnrelatedHandlers {}
  for (let i = 0; i < count; i++) {
    const name = `on${i}`;
    Object.defineProperty(UnrelatedHandlers.prototype, name, { value: function noop(): void {}, writable: true, configurable: true });
    const type = i < count / 2 ? OTHER_CATALOGUED[i % OTHER_CATALOGUED.length] : `bench.other_${i}`;
    OnWazapinEvent(type)(UnrelatedHandlers.prototype, name, Object.getOwnPropertyDescriptor(UnrelatedHandlers.prototype, name)!);
  }
  return UnrelatedHandlers;
}

function handlerProviders(set: HandlerSet): Type<unknown>[] {
  switch (set) {
    case 'one':
      return [NoopStatusHandler];
    case 'hundred':
      return [NoopStatusHandler, unrelatedHandlers(UNRELATED_HANDLER_COUNT)];
    case 'counting':
      return [CountingStatusHandler];
  }
}

/**
 * Starts the benchmark's app on loopback: the bare route and the module's route side by side,
 * with `background` dispatch and the default in-memory dedupe store, as a user would set it up.
 */
export async function startBenchApp(adapter: AdapterName, handlers: HandlerSet, secret: string): Promise<INestApplication> {
  @Module({
    imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'background' })],
    controllers: [BareController],
    providers: handlerProviders(handlers),
  })
  class BenchAppModule {}

  const options = { rawBody: true, logger: ['error' as const] };
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(BenchAppModule, new FastifyAdapter(), options)
      : await NestFactory.create(BenchAppModule, options);
  await app.listen(0, '127.0.0.1');
  return app;
}
