import type { AdapterName } from './bench-app.js';

/** The routes measured on each adapter. */
export const HTTP_TARGETS = ['bare', 'bareReceipt', 'module', 'module100'] as const;
export type HttpTargetName = (typeof HTTP_TARGETS)[number];

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
  readonly rounds: readonly {
    readonly requestsPerSecond: number;
    readonly p50: number;
    readonly p99: number;
    readonly serverCpuMicrosPerRequest: number;
    readonly non2xx: number;
    readonly mismatches: number;
    readonly errors: number;
    readonly signedDuringRun: number;
    readonly loadGeneratorCpuPercent: number;
  }[];
}

/** Ratios of one adapter, each the median of the rounds' own ratios (paired, so drift cancels). */
export interface HttpRatios {
  /** Module route / bare 204 route throughput: the target is at least 0.85. */
  readonly moduleOverBare: number;
  /**
   * The same comparison in server CPU per request (bare / module): the requests per CPU-second
   * the module route leaves of the bare route's. Steadier than req/s when the machine is shared.
   */
  readonly moduleOverBareByCpu: number;
  /** Module route / bare route answering the same receipt: the module's own cost. */
  readonly moduleOverBareReceipt: number;
  /** Bare route with the receipt / bare 204 route: what answering a body costs. */
  readonly bareReceiptOverBare: number;
  /** Module route with 100 unrelated handlers / with one: near 1 means dispatch does not grow. */
  readonly module100OverModule: number;
}

export interface HttpAdapterResult {
  readonly targets: Record<HttpTargetName, HttpTargetFigures>;
  readonly ratios: HttpRatios;
}

export interface HttpResult {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly adapters: Record<AdapterName, HttpAdapterResult>;
}
