import type { AdapterName } from './bench-app.js';

/**
 * The routes measured on each adapter, in the order of a round (each round starts one further
 * on): the module near each hand-written receiver it is compared with, and between the same
 * route in the app without OpenTelemetry and in the app with an SDK.
 */
export const HTTP_TARGETS = [
  'bareReceipt',
  'native',
  'module',
  'svix',
  'moduleNoOtel',
  'moduleOtelApi',
  'moduleSdkAlone',
  'moduleOtelSdk',
  'moduleRedis',
  'module100',
  'moduleTenants',
  'moduleOrdered',
  'moduleValidated',
  'bare',
  'queue',
] as const;
export type HttpTargetName = (typeof HTTP_TARGETS)[number];
/** The targets that need Redis, skipped without it. */
export const REDIS_TARGETS: readonly HttpTargetName[] = ['moduleRedis', 'queue'];

/** One round of one target. */
export interface HttpRoundFigures {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly serverCpuMicrosPerRequest: number;
  readonly non2xx: number;
  readonly mismatches: number;
  readonly errors: number;
  readonly signedDuringRun: number;
  readonly loadGeneratorCpuPercent: number;
}

/** One target's figures: medians over rounds, and each round's own. */
export interface HttpTargetFigures {
  readonly label: string;
  /** 2xx answers per second. */
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** CPU time of the app's process per request (user and system, all threads), microseconds. */
  readonly serverCpuMicrosPerRequest: number;
  /** CPU of the load generator, % of one core: near 100 it, not the app, set the pace. */
  readonly loadGeneratorCpuPercent: number;
  readonly rounds: readonly HttpRoundFigures[];
}

/**
 * Ratios of one adapter, each the median of the rounds' own ratios (paired, so drift cancels).
 * `…ByCpu` is the same comparison in server CPU per request (the other route's CPU per request
 * over the module's): the requests per CPU-second the module serves, relative to the other
 * route. Above 1, the module is the faster or the cheaper.
 */
export interface HttpRatios {
  /** Module route / hand-written route on `createHmac`: the target is at least 0.95. */
  readonly moduleOverNative: number;
  readonly moduleOverNativeByCpu: number;
  /** Module route / hand-written route on svix 1.x: the target is at least 1.10. */
  readonly moduleOverSvix: number;
  readonly moduleOverSvixByCpu: number;
  /** Module route / bare route answering the same JSON receipt: the limit, no target. */
  readonly moduleOverBareReceipt: number;
  readonly moduleOverBareReceiptByCpu: number;
  /** Module route / bare 204 route. */
  readonly moduleOverBare: number;
  /** Bare route with the receipt / bare 204 route: what answering a body costs. */
  readonly bareReceiptOverBare: number;
  /** Module route with 100 unrelated handlers / with one: near 1 means dispatch does not grow. */
  readonly module100OverModule: number;
  /** A `tenants` registration's route (the tenant's secrets cached) / the module route: what resolving a tenant costs. */
  readonly tenantsOverModule: number;
  readonly tenantsOverModuleByCpu: number;
  /** A registration with `statusOrder: 'drop'` / the module route (every update fresh, so a claim and a record each): what ordering costs. */
  readonly statusOrderOverModule: number;
  readonly statusOrderOverModuleByCpu: number;
  /** A registration with `validatePayloads` / the module route: what validating each payload costs. */
  readonly validatedOverModule: number;
  readonly validatedOverModuleByCpu: number;
  /**
   * Module route with `@opentelemetry/api` installed and no SDK (the `moduleOtelApi` target) / the same
   * route in an app without the API (nothing instrumented, the route as it was before telemetry):
   * what the instrumentation costs when unused. The target is at least 0.98.
   */
  readonly moduleOverNoOtel: number;
  readonly moduleOverNoOtelByCpu: number;
  /**
   * Module route with a registered SDK (BatchSpanProcessor, PeriodicExportingMetricReader, no-op
   * exporters) / the same route without the API: what recording spans and metrics costs. The
   * target is at least 0.85.
   */
  readonly otelSdkOverNoOtel: number;
  readonly otelSdkOverNoOtelByCpu: number;
  /**
   * Module route with the SDK / the same SDK app whose module cannot import the API: what the
   * module's spans and metrics cost through the SDK, with turning Node's AsyncLocalStorage on
   * (which nothing else in that app does). No target. Absent in results from before it was measured.
   */
  readonly otelSdkOverSdkAlone?: number;
  readonly otelSdkOverSdkAloneByCpu?: number;
  /** Module with `RedisIdempotencyStore` / with the in-memory store: the target is at least 0.75. Absent without Redis. */
  readonly redisOverMemory?: number;
  readonly redisOverMemoryByCpu?: number;
}

/** `dispatch: 'queue'` (BullMQ, worker in the same app), with `RedisIdempotencyStore`. */
export interface QueueFigures {
  /** Deliveries acknowledged (answered 2xx, so in Redis) per second: median over rounds. */
  readonly acknowledgedPerSecond: number;
  readonly ackLatencyMs: { readonly p50: number; readonly p99: number };
  /** Jobs the worker finished per second while the load ran (it shares the app's process). */
  readonly handledPerSecondDuringLoad: number;
  /** Acknowledged jobs not yet handled when the load ended. */
  readonly backlogAtEnd: number;
  /** Time from the end of the load until the worker had handled every acknowledged job. */
  readonly drainSeconds: number;
  /** The app's CPU per delivery, acknowledged and handled (load and drain). */
  readonly serverCpuMicrosPerHandledDelivery: number;
  readonly rounds: readonly {
    readonly handledPerSecondDuringLoad: number;
    readonly backlogAtEnd: number;
    readonly drainSeconds: number;
    readonly serverCpuMicrosPerHandledDelivery: number;
  }[];
}

export interface HttpAdapterResult {
  /** Every target measured; those of {@link REDIS_TARGETS} only with Redis. */
  readonly targets: Partial<Record<HttpTargetName, HttpTargetFigures>>;
  readonly ratios: HttpRatios;
  /** Absent without Redis. */
  readonly queue?: QueueFigures;
  /** What the SDK app's no-op exporters were given over the whole run (self-check, warm-up and rounds). */
  readonly otelSdk?: OtelSdkFigures;
}

/** What the app with the SDK (the `moduleOtelSdk` target) recorded: it must have recorded every request. */
export interface OtelSdkFigures {
  /** Requests answered by the app, as the load runs counted them, with the self-check's. */
  readonly requests: number;
  /** `wazapin.webhook.receive` spans exported: one per request. */
  readonly receiveSpans: number;
  /** `wazapin.handler …` spans exported: one per handler run (one per fresh delivery). */
  readonly handlerSpans: number;
  readonly spans: number;
  readonly metricExports: number;
}

/** The Redis of the Redis and queue targets, or why they were skipped. */
export type HttpRedis = { readonly skipped: false; readonly server: string } | { readonly skipped: true; readonly reason: string };

export interface HttpResult {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly redis: HttpRedis;
  readonly adapters: Record<AdapterName, HttpAdapterResult>;
}
