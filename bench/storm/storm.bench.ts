import type { BenchMode } from '../support/bench-mode.js';
import { type BenchMessage, runBenchChild, startBenchChild } from '../support/child-process.js';
import { progress } from '../support/progress.js';
import { serverExecArgv } from '../support/server-exec-argv.js';
import { ADAPTERS, type AdapterName, type HandlerCounts, MODULE_PATH } from '../http/bench-app.js';
import type { StormPlanFigures } from '../http/delivery-plans.js';
import type { LoadOptions, LoadResult } from '../http/load-result.js';

const STORM_SEED = 0x5707;
const CHILD_LIMIT_MS = 4 * 60_000;

/** One adapter's storm: what was sent, what the handler saw, and the rate. */
export interface StormAdapterResult {
  readonly plan: StormPlanFigures;
  readonly handler: HandlerCounts;
  /** Answers that said `duplicate: true`: must be every duplicate sent. */
  readonly duplicateReceipts: number;
  /**
   * Every distinct event handled once and only once, every request answered 2xx, and every
   * duplicate answered as one.
   */
  readonly exactlyOnce: boolean;
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  /** Requests answered per second over the whole storm. */
  readonly requestsPerSecond: number;
  /** Distinct events handled per second over the whole storm. */
  readonly eventsPerSecond: number;
  readonly durationSeconds: number;
  readonly latencyMs: LoadResult['latencyMs'];
}

export interface StormResult {
  readonly deliveries: number;
  readonly duplicateRatio: number;
  readonly connections: number;
  readonly adapters: Record<AdapterName, StormAdapterResult>;
}

async function stormOne(adapter: AdapterName, mode: BenchMode, env: NodeJS.ProcessEnv): Promise<StormAdapterResult> {
  const app = startBenchChild('http/bench-server.child.js', [adapter, 'counting'], { env, execArgv: serverExecArgv(), timeoutMs: CHILD_LIMIT_MS });
  if (env.WAZAPIN_BENCH_CPU_PROF) {
    progress(`cpu profile of the ${adapter} storm app: pid ${app.pid}`);
  }
  const { url } = await app.next<BenchMessage & { url: string }>('ready');
  let load: LoadResult & { storm: StormPlanFigures; duplicateReceipts: number };
  try {
    const options: LoadOptions = {
      url: `${url}${MODULE_PATH}`,
      connections: mode.storm.connections,
      storm: { unique: mode.storm.deliveries, duplicateRatio: mode.storm.duplicateRatio, seed: STORM_SEED },
    };
    load = await runBenchChild('http/load.child.js', [JSON.stringify(options)], { env, timeoutMs: CHILD_LIMIT_MS });
  } finally {
    app.send({ kind: 'close' });
  }
  // Closing waits for handlers still running in the background, so the counts are final.
  const { counts } = await app.next<BenchMessage & { counts: HandlerCounts }>('closed');
  await app.exited;
  const unique = load.storm.unique;
  const allAnswered2xx = load.ok2xx === load.storm.total && load.errors === 0 && load.timeouts === 0;
  const duplicatesSeen = load.duplicateReceipts === load.storm.total - unique;
  return {
    plan: load.storm,
    handler: counts,
    duplicateReceipts: load.duplicateReceipts,
    exactlyOnce: allAnswered2xx && duplicatesSeen && counts.invocations === unique && counts.distinct === unique && counts.handledMoreThanOnce === 0,
    statusCodes: load.statusCodes,
    errors: load.errors + load.timeouts,
    requestsPerSecond: load.requestsPerSecond,
    eventsPerSecond: Math.round(unique / load.durationSeconds),
    durationSeconds: load.durationSeconds,
    latencyMs: load.latencyMs,
  };
}

/**
 * A status-update storm against one app per adapter: distinct signed `message.status_update`
 * deliveries plus duplicates (retries of a delivery id, and the same event under a new delivery
 * id), counted by the handler to check each event ran exactly once.
 */
export async function benchStorm(mode: BenchMode, secret: string): Promise<StormResult> {
  const env = { ...process.env, WAZAPIN_BENCH_SECRET: secret };
  const adapters = {} as Record<AdapterName, StormAdapterResult>;
  for (const adapter of ADAPTERS) {
    adapters[adapter] = await stormOne(adapter, mode, env);
    progress(`storm ${adapter}: ${adapters[adapter].requestsPerSecond} req/s, exactly once: ${adapters[adapter].exactlyOnce}`);
  }
  const { deliveries, duplicateRatio, connections } = mode.storm;
  return {
    deliveries,
    duplicateRatio,
    connections,
    adapters,
  };
}
