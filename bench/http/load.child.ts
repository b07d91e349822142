import { DeliverySigner } from '../support/delivery-signer.js';
import { runAsBenchChild } from '../support/child-process.js';
import { percentile, round } from '../support/stats.js';
import { type AutocannonResult, autocannon } from './autocannon.js';
import { type DeliveryPlan, type StormPlanFigures, distinctDeliveries, stormDeliveries } from './delivery-plans.js';
import type { LoadOptions, LoadResult } from './load-result.js';

const DUPLICATE_RECEIPT = '{"received":true,"duplicate":true}';
/** No single request may hang a run: autocannon counts it as a timeout after this. */
const REQUEST_TIMEOUT_SECONDS = 10;
/** Any run is stopped after this, even a storm with requests still to send. */
const RUN_LIMIT_SECONDS = 150;

function runAutocannon(options: LoadOptions, plan: DeliveryPlan, amount: number | undefined) {
  const latencies: number[] = [];
  const expected = options.expectBody;
  let duplicateReceipts = 0;
  // A storm's duplicates must come back as duplicate receipts; count them, accept every body.
  const verifyBody = options.storm
    ? (body: string) => {
        duplicateReceipts += body === DUPLICATE_RECEIPT ? 1 : 0;
        return true;
      }
    : expected === undefined
      ? undefined
      : (body: string) => body === expected;
  return new Promise<{ result: AutocannonResult; latencies: number[]; duplicateReceipts: number }>((resolve, reject) => {
    let limit: NodeJS.Timeout | undefined;
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        connections: options.connections,
        pipelining: 1,
        // autocannon rejects an undefined duration; `amount`, when set, bounds the run instead.
        ...(amount === undefined ? { duration: options.durationSeconds } : { amount }),
        timeout: REQUEST_TIMEOUT_SECONDS,
        verifyBody,
        requests: [
          {
            setupRequest: (request) => {
              const signed = plan.next();
              return { ...request, headers: { ...signed.headers }, body: signed.body };
            },
          },
        ],
      },
      (error, result) => {
        clearTimeout(limit);
        if (error) {
          reject(error);
        } else {
          resolve({ result, latencies, duplicateReceipts });
        }
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, milliseconds: number) => {
      latencies.push(milliseconds);
    });
    limit = setTimeout(() => instance.stop(), RUN_LIMIT_SECONDS * 1000);
  });
}

// Child process: one bounded load run against one URL, from its own process so the load does
// not share a core's event loop with the app it measures.
runAsBenchChild(async (): Promise<LoadResult & { storm?: StormPlanFigures; duplicateReceipts?: number }> => {
  const options = JSON.parse(process.argv[2]) as LoadOptions;
  const signer = new DeliverySigner(process.env.WAZAPIN_BENCH_SECRET ?? '');
  let plan: DeliveryPlan;
  let storm: StormPlanFigures | undefined;
  if (options.storm) {
    const built = stormDeliveries(signer, options.storm.unique, options.storm.duplicateRatio, options.storm.seed);
    plan = built.plan;
    storm = built.figures;
  } else {
    plan = distinctDeliveries(signer, options.presigned ?? 0);
  }

  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const { result, latencies, duplicateReceipts } = await runAutocannon(options, plan, storm?.total);
  // autocannon reports whole seconds (plus a hundredth): too coarse for a storm of a few seconds.
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);

  latencies.sort((a, b) => a - b);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]));
  const ok2xx = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    durationSeconds: round(seconds),
    responses: latencies.length,
    ok2xx,
    requestsPerSecond: round(ok2xx / seconds),
    latencyMs: {
      p50: round(percentile(latencies, 50), 3),
      p90: round(percentile(latencies, 90), 3),
      p99: round(percentile(latencies, 99), 3),
      max: round(latencies[latencies.length - 1] ?? Number.NaN, 3),
    },
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    signedDuringRun: plan.signedDuringRun,
    loadGeneratorCpuPercent: round(((cpu.user + cpu.system) / 1e6 / seconds) * 100, 3),
    storm,
    duplicateReceipts: storm ? duplicateReceipts : undefined,
  };
});
