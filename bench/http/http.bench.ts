import type { BenchMode } from '../support/bench-mode.js';
import { type BenchChild, type BenchMessage, runBenchChild, startBenchChild } from '../support/child-process.js';
import { progress } from '../support/progress.js';
import { median, round } from '../support/stats.js';
import { ADAPTERS, type AdapterName, BARE_PATH, BARE_RECEIPT_PATH, type HandlerSet, MODULE_PATH } from './bench-app.js';
import {
  HTTP_TARGETS,
  type HttpAdapterResult,
  type HttpResult,
  type HttpTargetFigures,
  type HttpTargetName,
} from './http-result.js';
import type { LoadOptions, LoadResult } from './load-result.js';

const RECEIPT = '{"received":true}';
/** Deliveries signed before each run, per second of it: above the fastest route's rate here. */
const PRESIGNED_PER_SECOND = 30_000;
const SERVER_LIMIT_MS = 15 * 60_000;

interface TargetSpec {
  readonly label: string;
  readonly app: Exclude<HandlerSet, 'counting'>;
  readonly path: string;
  readonly expectBody?: string;
}

const TARGET_SPECS: Record<HttpTargetName, TargetSpec> = {
  bare: { label: 'bare route, 204', app: 'one', path: BARE_PATH },
  bareReceipt: { label: 'bare route, 200 + receipt', app: 'one', path: BARE_RECEIPT_PATH, expectBody: RECEIPT },
  module: { label: 'module route, 1 handler', app: 'one', path: MODULE_PATH, expectBody: RECEIPT },
  module100: { label: 'module route, +100 handlers', app: 'hundred', path: MODULE_PATH, expectBody: RECEIPT },
};

interface Cpu {
  user: number;
  system: number;
}

/** A benchmark app in its own process. */
interface AppProcess {
  readonly url: string;
  cpu(): Promise<number>;
  close(): Promise<void>;
}

async function startApp(adapter: AdapterName, app: HandlerSet, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const child: BenchChild = startBenchChild('http/bench-server.child.js', [adapter, app], { env, timeoutMs: SERVER_LIMIT_MS });
  const { url } = await child.next<BenchMessage & { url: string }>('ready');
  return {
    url,
    async cpu() {
      child.send({ kind: 'usage' });
      const { cpu } = await child.next<BenchMessage & { cpu: Cpu }>('usage');
      return cpu.user + cpu.system;
    },
    async close() {
      child.send({ kind: 'close' });
      await child.next('closed');
      await child.exited;
    },
  };
}

async function load(options: LoadOptions, env: NodeJS.ProcessEnv): Promise<LoadResult> {
  const limitMs = ((options.durationSeconds ?? 0) + 60) * 1000;
  return runBenchChild<LoadResult>('http/load.child.js', [JSON.stringify(options)], { env, timeoutMs: limitMs });
}

function summarise(label: string, runs: { load: LoadResult; cpuMicros: number }[]): HttpTargetFigures {
  const rounds = runs.map(({ load: r, cpuMicros }) => ({
    requestsPerSecond: r.requestsPerSecond,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    serverCpuMicrosPerRequest: round(cpuMicros / Math.max(1, r.responses), 3),
    non2xx: r.responses - r.ok2xx,
    mismatches: r.mismatches,
    errors: r.errors + r.timeouts,
    signedDuringRun: r.signedDuringRun,
    loadGeneratorCpuPercent: r.loadGeneratorCpuPercent,
  }));
  return {
    label,
    requestsPerSecond: round(median(rounds.map((r) => r.requestsPerSecond))),
    latencyMs: { p50: round(median(rounds.map((r) => r.p50)), 3), p99: round(median(rounds.map((r) => r.p99)), 3) },
    serverCpuMicrosPerRequest: round(median(rounds.map((r) => r.serverCpuMicrosPerRequest)), 3),
    loadGeneratorCpuPercent: round(median(rounds.map((r) => r.loadGeneratorCpuPercent)), 3),
    rounds,
  };
}

async function benchAdapter(adapter: AdapterName, mode: BenchMode, env: NodeJS.ProcessEnv): Promise<HttpAdapterResult> {
  const { rounds, durationSeconds, warmupSeconds, connections } = mode.http;
  const apps = { one: await startApp(adapter, 'one', env), hundred: await startApp(adapter, 'hundred', env) };
  const runs = Object.fromEntries(HTTP_TARGETS.map((name) => [name, [] as { load: LoadResult; cpuMicros: number }[]])) as Record<
    HttpTargetName,
    { load: LoadResult; cpuMicros: number }[]
  >;
  try {
    const measure = async (name: HttpTargetName, seconds: number) => {
      const spec = TARGET_SPECS[name];
      const app = apps[spec.app];
      const cpuBefore = await app.cpu();
      const result = await load(
        { url: `${app.url}${spec.path}`, connections, durationSeconds: seconds, presigned: seconds * PRESIGNED_PER_SECOND, expectBody: spec.expectBody },
        env,
      );
      return { load: result, cpuMicros: (await app.cpu()) - cpuBefore };
    };
    for (const name of HTTP_TARGETS) {
      await measure(name, warmupSeconds);
    }
    for (let r = 0; r < rounds; r++) {
      // Each round starts with another target, so a slow spell of the machine hits all alike.
      for (let k = 0; k < HTTP_TARGETS.length; k++) {
        const name = HTTP_TARGETS[(r + k) % HTTP_TARGETS.length];
        const run = await measure(name, durationSeconds);
        runs[name].push(run);
        progress(`http ${adapter} ${name.padEnd(11)} round ${r + 1}/${rounds}: ${run.load.requestsPerSecond} req/s`);
      }
    }
  } finally {
    await Promise.all([apps.one.close(), apps.hundred.close()]);
  }
  const targets = Object.fromEntries(HTTP_TARGETS.map((name) => [name, summarise(TARGET_SPECS[name].label, runs[name])])) as Record<
    HttpTargetName,
    HttpTargetFigures
  >;
  const paired = (a: HttpTargetName, b: HttpTargetName) =>
    round(median(runs[a].map((run, r) => run.load.requestsPerSecond / runs[b][r].load.requestsPerSecond)), 3);
  const cpuPerRequest = (name: HttpTargetName, r: number) => runs[name][r].cpuMicros / Math.max(1, runs[name][r].load.responses);
  return {
    targets,
    ratios: {
      moduleOverBare: paired('module', 'bare'),
      moduleOverBareByCpu: round(median(runs.bare.map((_, r) => cpuPerRequest('bare', r) / cpuPerRequest('module', r))), 3),
      moduleOverBareReceipt: paired('module', 'bareReceipt'),
      bareReceiptOverBare: paired('bareReceipt', 'bare'),
      module100OverModule: paired('module100', 'module'),
    },
  };
}

/**
 * HTTP throughput and latency of the module's route against a bare route of the same app, on
 * Express and on Fastify. Each app runs in its own process and each load in another (autocannon,
 * bounded in time and connections), so the three never share an event loop.
 */
export async function benchHttp(mode: BenchMode, secret: string): Promise<HttpResult> {
  const env = { ...process.env, WAZAPIN_BENCH_SECRET: secret };
  const adapters = {} as Record<AdapterName, HttpAdapterResult>;
  for (const adapter of ADAPTERS) {
    adapters[adapter] = await benchAdapter(adapter, mode, env);
  }
  const { rounds, durationSeconds, warmupSeconds, connections } = mode.http;
  return { rounds, durationSeconds, warmupSeconds, connections, adapters };
}
