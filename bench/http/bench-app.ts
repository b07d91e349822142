import 'reflect-metadata';
import { Controller, HttpCode, Injectable, type INestApplication, Module, Post, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { OnWazapinEvent } from '../../lib/events/on-wazapin-event.decorator.js';
import type { WazapinEvent } from '../../lib/events/wazapin-event.interface.js';
import { RedisIdempotencyStore } from '../../lib/idempotency/redis-idempotency.store.js';
import type { WazapinWebhooksModuleOptions } from '../../lib/interfaces/wazapin-webhooks-options.interface.js';
import { WazapinWebhooksModule } from '../../lib/wazapin-webhooks.module.js';
import { handwrittenController } from './handwritten.controller.js';
import type { SdkCounts } from './otel-sdk.js';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];

/**
 * Which `@OnWazapinEvent` handlers the app has:
 * - `one`: one no-op handler of `message.status_update`;
 * - `hundred`: that one, plus 100 no-op handlers of other types;
 * - `counting`: one handler of `message.status_update` that counts what it was given.
 */
export type HandlerSet = 'one' | 'hundred' | 'counting';

/**
 * How the module is set up:
 * - `memory`: `background` dispatch, the default in-memory dedupe store;
 * - `redis`: `background` dispatch, `RedisIdempotencyStore`;
 * - `queue`: `dispatch: 'queue'` (BullMQ, the worker in the same app), `RedisIdempotencyStore`.
 */
export type ModuleSetup = 'memory' | 'redis' | 'queue';
export const MODULE_SETUPS: readonly ModuleSetup[] = ['memory', 'redis', 'queue'];

/**
 * The OpenTelemetry of the app's process:
 * - `api`: `@opentelemetry/api` installed, no SDK registered (every call the API's no-op);
 * - `none`: the API cannot be imported (the process runs with without-opentelemetry.js), so the
 *   module boots without telemetry, as before it had any;
 * - `sdk`: a real SDK registered before the app is created, over no-op exporters (see otel-sdk.ts);
 * - `sdk-module-without-api`: the same SDK, but the module cannot import the API (only the
 *   module: the SDK can), so it is not instrumented: the SDK registered and unused. Node's
 *   AsyncLocalStorage stays off until a context is first entered (the module's spans enter one),
 *   so what the `sdk` app costs beyond this includes turning it on for the whole process, which an
 *   app with an HTTP instrumentation has done already.
 */
export type AppTelemetry = 'api' | 'none' | 'sdk' | 'sdk-module-without-api';

/** What an app process reports of its OpenTelemetry (the `telemetry` message of bench-server.child.ts). */
export interface TelemetryReport {
  readonly telemetry: AppTelemetry;
  /** Whether `import('@opentelemetry/api')` succeeds in the process; if not, the error's code. */
  readonly api: boolean;
  readonly apiError?: string;
  /** Whether a span started through the API records: an SDK is registered. */
  readonly recording: boolean;
  /** Whether the module's telemetry is the API's (not NO_TELEMETRY). */
  readonly instrumented: boolean;
  /** With the SDK: what its exporters were given, once flushed. */
  readonly sdk?: SdkCounts;
}

/** Route of the baseline: the same app, no guard, no work, 204. */
export const BARE_PATH = '/bare';
/** Same app, no guard, no work, 200 with the body the module answers. */
export const BARE_RECEIPT_PATH = '/bare/receipt';
export { HANDWRITTEN_NATIVE_PATH, HANDWRITTEN_SVIX_PATH } from './handwritten.controller.js';
/** Route of the module, as registered by default. */
export const MODULE_PATH = '/webhooks/wazapin';
/** The tenant the `tenants` registration of the in-memory app knows, and its route. */
const BENCH_TENANT = 'bench-tenant';
export const TENANTS_PATH = `/webhooks/tenants/${BENCH_TENANT}`;
/** Routes of the in-memory app's registrations with `statusOrder: 'drop'` and with `validatePayloads`. */
export const ORDERED_PATH = '/webhooks/ordered';
export const VALIDATED_PATH = '/webhooks/validated';

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

/** The module's options for `setup`; `redis` is the client the Redis store and the queue copy. */
function moduleOptions(setup: ModuleSetup, secret: string, redis: Redis | undefined): WazapinWebhooksModuleOptions {
  if (setup === 'memory') {
    return { secrets: secret, dispatch: 'background' };
  }
  if (!redis) {
    throw new Error(`bench app: the ${setup} setup needs WAZAPIN_BENCH_REDIS_URL`);
  }
  // A prefix of the run's own, so a shared Redis (REDIS_URL) keeps what it had apart.
  const tag = randomBytes(6).toString('hex');
  const store = new RedisIdempotencyStore(redis, { keyPrefix: `wazapin:bench:${tag}:` });
  if (setup === 'redis') {
    return { secrets: secret, dispatch: 'background', idempotency: { store } };
  }
  return { secrets: secret, dispatch: 'queue', queue: { connection: redis, name: `wazapin-bench-${tag}` }, idempotency: { store } };
}

/**
 * Starts the benchmark's app on loopback: the bare routes, the hand-written receivers and the
 * module's route side by side, the module set up as `setup` says, as a user would set it up,
 * and with the in-memory setup a `tenants` registration and registrations with `statusOrder` and
 * `validatePayloads` too.
 * `redisUrl` is needed by the `redis` and `queue` setups.
 */
export async function startBenchApp(
  adapter: AdapterName,
  handlers: HandlerSet,
  secret: string,
  setup: ModuleSetup = 'memory',
  redisUrl?: string,
): Promise<INestApplication> {
  // Never connected itself: the store and the queue open connections of their own from it.
  const redis = setup === 'memory' || !redisUrl ? undefined : new Redis(redisUrl, { lazyConnect: true });
  // Beside it, in the in-memory app: a `tenants` registration whose one tenant signs with the same
  // secret, and registrations as the default one but for statusOrder and validatePayloads.
  const beside = [
    WazapinWebhooksModule.forRoot({
      name: 'tenants',
      path: 'webhooks/tenants',
      tenants: { secrets: (tenant) => (tenant === BENCH_TENANT ? secret : undefined) },
    }),
    WazapinWebhooksModule.forRoot({ name: 'ordered', path: ORDERED_PATH.slice(1), secrets: secret, dispatch: 'background', statusOrder: 'drop' }),
    WazapinWebhooksModule.forRoot({ name: 'validated', path: VALIDATED_PATH.slice(1), secrets: secret, dispatch: 'background', validatePayloads: true }),
  ];
  @Module({
    imports: [WazapinWebhooksModule.forRoot(moduleOptions(setup, secret, redis)), ...(setup === 'memory' ? beside : [])],
    controllers: [BareController, handwrittenController(secret)],
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
