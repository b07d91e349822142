import type { BenchMode } from '../support/bench-mode.js';
import { type BenchRedis, benchRedis } from '../support/bench-redis.js';
import { type BenchChild, type BenchMessage, runBenchChild, startBenchChild } from '../support/child-process.js';
import { progress } from '../support/progress.js';
import { serverExecArgv } from '../support/server-exec-argv.js';
import { median, round } from '../support/stats.js';
import {
  ADAPTERS,
  type AdapterName,
  type AppTelemetry,
  BARE_PATH,
  BARE_RECEIPT_PATH,
  HANDWRITTEN_NATIVE_PATH,
  HANDWRITTEN_SVIX_PATH,
  type HandlerCounts,
  type HandlerSet,
  MODULE_PATH,
  type ModuleSetup,
  ORDERED_PATH,
  type TelemetryReport,
  TENANTS_PATH,
  VALIDATED_PATH,
} from './bench-app.js';
import type { SdkCounts } from './otel-sdk.js';
import {
  HTTP_TARGETS,
  type HttpAdapterResult,
  type HttpRedis,
  type HttpResult,
  type HttpTargetFigures,
  type HttpTargetName,
  type OtelSdkFigures,
  type QueueFigures,
  REDIS_TARGETS,
} from './http-result.js';
import type { LoadOptions, LoadResult } from './load-result.js';
import { selfCheck } from './self-check.js';

const RECEIPT = '{"received":true}';
/** Deliveries signed before a target's first run, per second of it: above the fastest route's rate here. */
const PRESIGNED_PER_SECOND = 40_000;
/**
 * Later runs sign this many times the most the target's runs answered so far, per second (at
 * most the above): rates on a shared machine vary by half or more between rounds, and a run that
 * runs out signs as it goes, loading the load generator.
 */
const PRESIGNED_MARGIN = 3;
const SERVER_LIMIT_MS = 15 * 60_000;
/** Longest wait for the queue's worker to handle what was acknowledged. */
const DRAIN_LIMIT_MS = 120_000;
const DRAIN_POLL_MS = 50;
/** The worker counts as done once its count has not moved for this long. */
const DRAIN_STEADY_MS = 300;

/** The spans and the metric the SDK app must have exported after its self-check. */
const RECEIVE_SPAN = 'wazapin.webhook.receive';
const HANDLER_SPAN_PREFIX = 'wazapin.handler ';
const DELIVERIES_METRIC = 'wazapin.webhook.deliveries';
/** The self-check's handler runs end in the background: the SDK app is asked again this often, this many times. */
const SDK_CHECK_POLL_MS = 100;
const SDK_CHECK_POLLS = 50;

/**
 * The benchmark's app processes, per adapter. `noOtel`, `otelApi`, `sdkAlone` and `otelSdk` serve
 * the module route alone, as the `one` app without `@opentelemetry/api`, with it and no SDK, with
 * an SDK the module cannot reach, and with an SDK; the others have the API and no SDK.
 */
const APPS = {
  one: { handlers: 'one', setup: 'memory', telemetry: 'api' },
  noOtel: { handlers: 'one', setup: 'memory', telemetry: 'none' },
  otelApi: { handlers: 'one', setup: 'memory', telemetry: 'api' },
  sdkAlone: { handlers: 'one', setup: 'memory', telemetry: 'sdk-module-without-api' },
  otelSdk: { handlers: 'one', setup: 'memory', telemetry: 'sdk' },
  hundred: { handlers: 'hundred', setup: 'memory', telemetry: 'api' },
  redis: { handlers: 'one', setup: 'redis', telemetry: 'api' },
  queue: { handlers: 'counting', setup: 'queue', telemetry: 'api' },
} as const satisfies Record<string, { handlers: HandlerSet; setup: ModuleSetup; telemetry: AppTelemetry }>;
type AppName = keyof typeof APPS;

interface TargetSpec {
  readonly label: string;
  readonly app: AppName;
  readonly path: string;
  readonly expectBody?: string;
  /** A receiver that verifies signatures: checked before it is measured. */
  readonly verifies?: boolean;
}

const TARGET_SPECS: Record<HttpTargetName, TargetSpec> = {
  bare: { label: 'bare route, 204', app: 'one', path: BARE_PATH },
  bareReceipt: { label: 'bare route, 200 + receipt', app: 'one', path: BARE_RECEIPT_PATH, expectBody: RECEIPT },
  native: { label: 'hand-written, createHmac', app: 'one', path: HANDWRITTEN_NATIVE_PATH, expectBody: RECEIPT, verifies: true },
  svix: { label: 'hand-written, svix 1.x', app: 'one', path: HANDWRITTEN_SVIX_PATH, expectBody: RECEIPT, verifies: true },
  module: { label: 'module route, 1 handler', app: 'one', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
  moduleNoOtel: { label: 'module route, no @opentelemetry/api', app: 'noOtel', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
  moduleOtelApi: { label: 'module route, OTel API, no SDK', app: 'otelApi', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
  moduleSdkAlone: { label: 'module route, OTel SDK, module without API', app: 'sdkAlone', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
  moduleOtelSdk: { label: 'module route, OTel SDK, no-op export', app: 'otelSdk', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
  module100: { label: 'module route, +100 handlers', app: 'hundred', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
  moduleRedis: { label: 'module route, Redis store', app: 'redis', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
  moduleTenants: { label: 'tenants route, secrets cached', app: 'one', path: TENANTS_PATH, expectBody: RECEIPT, verifies: true },
  moduleOrdered: { label: "module route, statusOrder: 'drop'", app: 'one', path: ORDERED_PATH, expectBody: RECEIPT, verifies: true },
  moduleValidated: { label: 'module route, validatePayloads', app: 'one', path: VALIDATED_PATH, expectBody: RECEIPT, verifies: true },
  queue: { label: 'module route, queue mode', app: 'queue', path: MODULE_PATH, expectBody: RECEIPT, verifies: true },
};

interface Cpu {
  user: number;
  system: number;
}

/** A benchmark app in its own process. */
interface AppProcess {
  readonly url: string;
  cpu(): Promise<number>;
  counts(): Promise<HandlerCounts>;
  /** What OpenTelemetry is in the process; with the SDK, flushes it first. */
  telemetry(): Promise<TelemetryReport>;
  /** Closes the app; resolves with what its SDK exported, if it has one. */
  close(): Promise<SdkCounts | undefined>;
}

async function startApp(adapter: AdapterName, name: AppName, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const { handlers, setup, telemetry } = APPS[name];
  const child: BenchChild = startBenchChild('http/bench-server.child.js', [adapter, handlers, setup, telemetry], {
    env: telemetry === 'sdk-module-without-api' ? { ...env, WAZAPIN_BENCH_BLOCK_API_FOR_MODULE_ONLY: '1' } : env,
    execArgv: serverExecArgv({ withoutOpenTelemetry: telemetry === 'none' || telemetry === 'sdk-module-without-api' }),
    timeoutMs: SERVER_LIMIT_MS,
  });
  if (env.WAZAPIN_BENCH_CPU_PROF) {
    progress(`cpu profile of the ${adapter} ${name} app: pid ${child.pid}`);
  }
  const { url } = await child.next<BenchMessage & { url: string }>('ready');
  return {
    url,
    async cpu() {
      child.send({ kind: 'usage' });
      const { cpu } = await child.next<BenchMessage & { cpu: Cpu }>('usage');
      return cpu.user + cpu.system;
    },
    async counts() {
      child.send({ kind: 'counts' });
      return (await child.next<BenchMessage & { counts: HandlerCounts }>('counts')).counts;
    },
    async telemetry() {
      child.send({ kind: 'telemetry' });
      return child.next<BenchMessage & TelemetryReport>('telemetry');
    },
    async close() {
      child.send({ kind: 'close' });
      const { sdk } = await child.next<BenchMessage & { sdk?: SdkCounts }>('closed');
      await child.exited;
      return sdk;
    },
  };
}

function spansNamed(counts: SdkCounts | undefined, test: (name: string) => boolean): number {
  return Object.entries(counts?.spansByName ?? {}).reduce((sum, [name, count]) => sum + (test(name) ? count : 0), 0);
}
const receiveSpans = (counts: SdkCounts | undefined) => spansNamed(counts, (name) => name === RECEIVE_SPAN);
const handlerSpans = (counts: SdkCounts | undefined) => spansNamed(counts, (name) => name.startsWith(HANDLER_SPAN_PREFIX));

/** Whether the SDK's exporters were given the module's receive and handler spans and its deliveries counter. */
function sdkRecorded(counts: SdkCounts | undefined): boolean {
  return receiveSpans(counts) > 0 && handlerSpans(counts) > 0 && (counts?.metricNames.includes(DELIVERIES_METRIC) ?? false);
}

/**
 * Checks, after the self-checks, that the app's process has the OpenTelemetry it should, so no
 * comparison is made against the wrong baseline: without the API, the API cannot be imported and
 * the module is not instrumented; with the API and no SDK, the module is instrumented and no span
 * records; with the SDK kept from the module, spans record and the module is not instrumented; with the SDK, spans record and the no-op exporters were given the self-check's receive
 * and handler spans and the deliveries counter. Throws naming what is wrong; resolves with what the
 * SDK had exported, if any.
 */
async function checkTelemetry(adapter: AdapterName, name: AppName, app: AppProcess): Promise<SdkCounts | undefined> {
  const expected = APPS[name].telemetry;
  let report = await app.telemetry();
  const problems: string[] = [];
  if (report.telemetry !== expected) {
    problems.push(`runs with telemetry '${report.telemetry}', not '${expected}'`);
  }
  if (expected === 'none') {
    if (report.api) {
      problems.push('can import @opentelemetry/api, so the baseline is instrumented (is the --import hook loaded?)');
    } else if (report.apiError !== 'ERR_MODULE_NOT_FOUND') {
      problems.push(`importing @opentelemetry/api failed with ${report.apiError}, not ERR_MODULE_NOT_FOUND`);
    }
    if (report.instrumented) {
      problems.push("the module's telemetry is not NO_TELEMETRY");
    }
  } else {
    if (!report.api) {
      problems.push(`cannot import @opentelemetry/api (${report.apiError})`);
    }
    // With the SDK and the module kept from the API, the module must be the one thing not instrumented.
    const moduleInstrumented = expected !== 'sdk-module-without-api';
    if (report.instrumented !== moduleInstrumented) {
      problems.push(moduleInstrumented ? "the module's telemetry is NO_TELEMETRY" : "the module's telemetry is not NO_TELEMETRY (is the --import hook loaded?)");
    }
    if (expected === 'api' && report.recording) {
      problems.push('a span records, so an SDK is registered');
    }
    if (expected !== 'api' && !report.recording) {
      problems.push('a span does not record, so no SDK is registered');
    }
    if (expected === 'sdk') {
      for (let i = 0; i < SDK_CHECK_POLLS && !sdkRecorded(report.sdk); i++) {
        await new Promise((resolve) => setTimeout(resolve, SDK_CHECK_POLL_MS));
        report = await app.telemetry();
      }
      if (!sdkRecorded(report.sdk)) {
        problems.push(`after its self-check the exporters lack ${RECEIVE_SPAN} or ${HANDLER_SPAN_PREFIX}… spans or ${DELIVERIES_METRIC}: ${JSON.stringify(report.sdk)}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(`OpenTelemetry check of the ${adapter} ${name} app failed:\n  ${problems.join('\n  ')}`);
  }
  if (report.sdk) {
    progress(
      `http ${adapter} ${name} app: SDK recording, self-check exported ${receiveSpans(report.sdk)} receive and ${handlerSpans(report.sdk)} handler spans, ` +
        `metrics ${report.sdk.metricNames.join(', ')}`,
    );
  }
  return report.sdk;
}

async function load(options: LoadOptions, env: NodeJS.ProcessEnv): Promise<LoadResult> {
  const limitMs = ((options.durationSeconds ?? 0) + 60) * 1000;
  return runBenchChild<LoadResult>('http/load.child.js', [JSON.stringify(options)], { env, timeoutMs: limitMs });
}

interface Run {
  readonly load: LoadResult;
  readonly cpuMicros: number;
}

/** What the queue's worker did in one run: during the load, then until it had handled everything. */
interface QueueRun {
  readonly handledDuringLoad: number;
  readonly backlogAtEnd: number;
  readonly drainSeconds: number;
  /** Jobs handled over load and drain: those acknowledged, with any answered after the load stopped counting. */
  readonly handled: number;
  /** The app's CPU over load and drain. */
  readonly cpuMicros: number;
}

function summarise(label: string, runs: readonly Run[]): HttpTargetFigures {
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

function summariseQueue(figures: HttpTargetFigures, runs: readonly Run[], queueRuns: readonly QueueRun[]): QueueFigures {
  const rounds = queueRuns.map((q, r) => ({
    handledPerSecondDuringLoad: round(q.handledDuringLoad / runs[r].load.durationSeconds),
    backlogAtEnd: q.backlogAtEnd,
    drainSeconds: round(q.drainSeconds, 3),
    serverCpuMicrosPerHandledDelivery: round(q.cpuMicros / Math.max(1, q.handled), 3),
  }));
  return {
    acknowledgedPerSecond: figures.requestsPerSecond,
    ackLatencyMs: figures.latencyMs,
    handledPerSecondDuringLoad: round(median(rounds.map((r) => r.handledPerSecondDuringLoad))),
    backlogAtEnd: Math.round(median(rounds.map((r) => r.backlogAtEnd))),
    drainSeconds: round(median(rounds.map((r) => r.drainSeconds)), 3),
    serverCpuMicrosPerHandledDelivery: round(median(rounds.map((r) => r.serverCpuMicrosPerHandledDelivery)), 3),
    rounds,
  };
}

/**
 * Waits until the queue app's worker has handled at least `atLeast` deliveries in all and the
 * count has stopped growing (a load's last answers, sent after autocannon stopped counting, are
 * jobs too); resolves with the count and the seconds it took.
 */
async function drain(app: AppProcess, atLeast: number): Promise<{ handled: number; seconds: number }> {
  const start = Date.now();
  let last = -1;
  let steadySince = start;
  for (;;) {
    const { invocations } = await app.counts();
    const now = Date.now();
    if (invocations !== last) {
      last = invocations;
      steadySince = now;
    }
    if (invocations >= atLeast && now - steadySince >= DRAIN_STEADY_MS) {
      return { handled: invocations, seconds: (steadySince - start) / 1000 };
    }
    if (now - start > DRAIN_LIMIT_MS) {
      throw new Error(`queue worker handled ${invocations} of at least ${atLeast} acknowledged deliveries within ${DRAIN_LIMIT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}

async function benchAdapter(adapter: AdapterName, mode: BenchMode, env: NodeJS.ProcessEnv, withRedis: boolean): Promise<HttpAdapterResult> {
  const { rounds, durationSeconds, warmupSeconds, connections } = mode.http;
  const targetNames = HTTP_TARGETS.filter((name) => withRedis || !REDIS_TARGETS.includes(name));
  const appNames = [...new Set(targetNames.map((name) => TARGET_SPECS[name].app))];
  const apps = {} as Record<AppName, AppProcess>;
  const runs = Object.fromEntries(targetNames.map((name) => [name, [] as Run[]])) as Record<HttpTargetName, Run[]>;
  const queueRuns: QueueRun[] = [];
  /** Deliveries the queue app's worker has handled once drained: every one it acknowledged. */
  let queueHandled = 0;
  const topRate: Partial<Record<HttpTargetName, number>> = {};
  /** Responses the load runs (warm-up and rounds) counted, per app. */
  const answered: Partial<Record<AppName, number>> = {};
  /** What the SDK app had exported after its self-check, and when it closed. */
  let sdkAfterCheck: SdkCounts | undefined;
  let sdkAtClose: SdkCounts | undefined;
  try {
    for (const name of appNames) {
      apps[name] = await startApp(adapter, name, env);
    }
    for (const name of targetNames) {
      const spec = TARGET_SPECS[name];
      if (spec.verifies) {
        await selfCheck(`${apps[spec.app].url}${spec.path}`, env.WAZAPIN_BENCH_SECRET ?? '');
      }
    }
    for (const name of appNames) {
      const sdk = await checkTelemetry(adapter, name, apps[name]);
      if (name === 'otelSdk') {
        sdkAfterCheck = sdk;
      }
    }

    const measure = async (name: HttpTargetName, seconds: number): Promise<Run & { queue?: QueueRun }> => {
      const spec = TARGET_SPECS[name];
      const app = apps[spec.app];
      const isQueue = name === 'queue';
      if (isQueue) {
        // The self-check's delivery, the first time.
        queueHandled = (await drain(app, Math.max(queueHandled, 1))).handled;
      }
      const presigned = Math.ceil(seconds * Math.min(PRESIGNED_PER_SECOND, (topRate[name] ?? Infinity) * PRESIGNED_MARGIN));
      const cpuBefore = await app.cpu();
      const result = await load({ url: `${app.url}${spec.path}`, connections, durationSeconds: seconds, presigned, expectBody: spec.expectBody }, env);
      const cpuMicros = (await app.cpu()) - cpuBefore;
      topRate[name] = Math.max(1000, topRate[name] ?? 0, result.requestsPerSecond);
      answered[spec.app] = (answered[spec.app] ?? 0) + result.responses;
      if (!isQueue) {
        return { load: result, cpuMicros };
      }
      const { invocations } = await app.counts();
      const drained = await drain(app, queueHandled + result.ok2xx);
      const queue: QueueRun = {
        handledDuringLoad: invocations - queueHandled,
        backlogAtEnd: drained.handled - invocations,
        drainSeconds: drained.seconds,
        handled: drained.handled - queueHandled,
        cpuMicros: (await app.cpu()) - cpuBefore,
      };
      queueHandled = drained.handled;
      return { load: result, cpuMicros, queue };
    };
    for (const name of targetNames) {
      await measure(name, warmupSeconds);
    }
    for (let r = 0; r < rounds; r++) {
      // Each round starts with another target, so a slow spell of the machine hits all alike.
      for (let k = 0; k < targetNames.length; k++) {
        const name = targetNames[(r + k) % targetNames.length];
        const { queue, ...run } = await measure(name, durationSeconds);
        runs[name].push(run);
        if (queue) {
          queueRuns.push(queue);
        }
        const backlog = queue ? `, backlog ${queue.backlogAtEnd} drained in ${queue.drainSeconds.toFixed(1)} s` : '';
        progress(`http ${adapter} ${name.padEnd(11)} round ${r + 1}/${rounds}: ${run.load.requestsPerSecond} req/s${backlog}`);
      }
    }
  } finally {
    const names = Object.keys(apps) as AppName[];
    const closed = await Promise.all(names.map((name) => apps[name].close()));
    // The app whose module records through the SDK: the other SDK app's module cannot.
    sdkAtClose = closed[names.indexOf('otelSdk')];
  }
  const otelSdk: OtelSdkFigures | undefined = sdkAtClose && {
    requests: answered.otelSdk ?? 0,
    receiveSpans: receiveSpans(sdkAtClose) - receiveSpans(sdkAfterCheck),
    handlerSpans: handlerSpans(sdkAtClose) - handlerSpans(sdkAfterCheck),
    spans: sdkAtClose.spans - (sdkAfterCheck?.spans ?? 0),
    metricExports: sdkAtClose.metricExports,
  };
  if (otelSdk) {
    progress(
      `http ${adapter} otelSdk app: ${otelSdk.receiveSpans} receive and ${otelSdk.handlerSpans} handler spans exported ` +
        `for ${otelSdk.requests} answered requests, ${otelSdk.metricExports} metric exports`,
    );
  }
  const targets = Object.fromEntries(targetNames.map((name) => [name, summarise(TARGET_SPECS[name].label, runs[name])])) as HttpAdapterResult['targets'];
  const paired = (a: HttpTargetName, b: HttpTargetName) =>
    round(median(runs[a].map((run, r) => run.load.requestsPerSecond / runs[b][r].load.requestsPerSecond)), 3);
  const cpuPerRequest = (name: HttpTargetName, r: number) => runs[name][r].cpuMicros / Math.max(1, runs[name][r].load.responses);
  const pairedByCpu = (a: HttpTargetName, b: HttpTargetName) => round(median(runs[a].map((_, r) => cpuPerRequest(b, r) / cpuPerRequest(a, r))), 3);
  return {
    targets,
    ratios: {
      moduleOverNative: paired('module', 'native'),
      moduleOverNativeByCpu: pairedByCpu('module', 'native'),
      moduleOverSvix: paired('module', 'svix'),
      moduleOverSvixByCpu: pairedByCpu('module', 'svix'),
      moduleOverBareReceipt: paired('module', 'bareReceipt'),
      moduleOverBareReceiptByCpu: pairedByCpu('module', 'bareReceipt'),
      moduleOverBare: paired('module', 'bare'),
      moduleOverNoOtel: paired('moduleOtelApi', 'moduleNoOtel'),
      moduleOverNoOtelByCpu: pairedByCpu('moduleOtelApi', 'moduleNoOtel'),
      otelSdkOverSdkAlone: paired('moduleOtelSdk', 'moduleSdkAlone'),
      otelSdkOverSdkAloneByCpu: pairedByCpu('moduleOtelSdk', 'moduleSdkAlone'),
      otelSdkOverNoOtel: paired('moduleOtelSdk', 'moduleNoOtel'),
      otelSdkOverNoOtelByCpu: pairedByCpu('moduleOtelSdk', 'moduleNoOtel'),
      bareReceiptOverBare: paired('bareReceipt', 'bare'),
      module100OverModule: paired('module100', 'module'),
      tenantsOverModule: paired('moduleTenants', 'module'),
      tenantsOverModuleByCpu: pairedByCpu('moduleTenants', 'module'),
      statusOrderOverModule: paired('moduleOrdered', 'module'),
      statusOrderOverModuleByCpu: pairedByCpu('moduleOrdered', 'module'),
      validatedOverModule: paired('moduleValidated', 'module'),
      validatedOverModuleByCpu: pairedByCpu('moduleValidated', 'module'),
      ...(withRedis ? { redisOverMemory: paired('moduleRedis', 'module'), redisOverMemoryByCpu: pairedByCpu('moduleRedis', 'module') } : {}),
    },
    queue: withRedis && targets.queue ? summariseQueue(targets.queue, runs.queue, queueRuns) : undefined,
    otelSdk,
  };
}

/**
 * HTTP throughput and latency of the module's route against the routes a user would write by
 * hand (createHmac, svix) and bare routes of the same app, on Express and on Fastify; then the
 * module with `RedisIdempotencyStore` and in queue mode, against a Redis of the run's own (or
 * REDIS_URL), skipped without one unless `CI` is set. Each app runs in its own process and each
 * load in another (autocannon, bounded in time and connections), so they never share an event loop.
 */
export async function benchHttp(mode: BenchMode, secret: string): Promise<HttpResult> {
  const found = await benchRedis();
  const redis: HttpRedis = 'skipped' in found ? { skipped: true, reason: found.skipped } : { skipped: false, server: found.server };
  if (redis.skipped) {
    progress(`http: Redis and queue targets skipped: ${redis.reason}`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, WAZAPIN_BENCH_SECRET: secret };
  if (!('skipped' in found)) {
    env.WAZAPIN_BENCH_REDIS_URL = found.url;
  }
  const adapters = {} as Record<AdapterName, HttpAdapterResult>;
  try {
    for (const adapter of ADAPTERS) {
      adapters[adapter] = await benchAdapter(adapter, mode, env, !redis.skipped);
    }
  } finally {
    await (found as Partial<BenchRedis>).close?.();
  }
  const { rounds, durationSeconds, warmupSeconds, connections } = mode.http;
  return { rounds, durationSeconds, warmupSeconds, connections, redis, adapters };
}
