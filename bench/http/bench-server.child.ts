import type { BenchMessage } from '../support/child-process.js';
import { WAZAPIN_TELEMETRY } from '../../lib/wazapin-webhooks.constants.js';
import { NO_TELEMETRY, type WazapinTelemetry } from '../../lib/telemetry/wazapin-telemetry.interface.js';
import { type AdapterName, type AppTelemetry, CountingStatusHandler, type HandlerSet, type ModuleSetup, startBenchApp } from './bench-app.js';
import type { BenchSdk } from './otel-sdk.js';

// Child process: one benchmark app (adapter, handler set, module setup, OpenTelemetry; the Redis
// of the `redis` and `queue` setups in WAZAPIN_BENCH_REDIS_URL). Reports `ready` with its URL;
// answers `usage` with the CPU time it has used, `counts` with what the counting handler saw so
// far and `telemetry` with what OpenTelemetry is in the process (see TelemetryReport); on `close`,
// closes the app (waiting for handlers still running in the background) and reports what the
// counting handler saw, if the app has it, and what the SDK exported, if it has one.
const [adapter, handlers, setup = 'memory', telemetry = 'api'] = process.argv.slice(2) as [AdapterName, HandlerSet, ModuleSetup?, AppTelemetry?];
const secret = process.env.WAZAPIN_BENCH_SECRET ?? '';

// Imported only here, so the other processes never load the SDK.
const sdk: BenchSdk | undefined = telemetry === 'sdk' || telemetry === 'sdk-module-without-api' ? (await import('./otel-sdk.js')).registerBenchSdk() : undefined;
const app = await startBenchApp(adapter, handlers, secret, setup, process.env.WAZAPIN_BENCH_REDIS_URL);
const counter = handlers === 'counting' ? app.get(CountingStatusHandler) : undefined;
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
process.send?.({ kind: 'ready', url });

/** Whether `@opentelemetry/api` can be imported here, whether a span started through it records, and why not. */
async function probeApi(): Promise<{ api: boolean; recording: boolean; apiError?: string }> {
  try {
    const api = await import('@opentelemetry/api');
    const span = api.trace.getTracer('wazapin-bench-probe').startSpan('wazapin.bench.probe');
    const recording = span.isRecording();
    span.end();
    return { api: true, recording };
  } catch (error) {
    return { api: false, recording: false, apiError: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

// Never outlive the benchmark, even one that crashed.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: BenchMessage) => {
  if (message.kind === 'usage') {
    process.send?.({ kind: 'usage', cpu: process.cpuUsage() });
    return;
  }
  if (message.kind === 'counts') {
    process.send?.({ kind: 'counts', counts: counter?.counts() });
    return;
  }
  if (message.kind === 'telemetry') {
    void (async () => {
      const instrumented = app.get<symbol, WazapinTelemetry>(WAZAPIN_TELEMETRY, { strict: false }) !== NO_TELEMETRY;
      process.send?.({ kind: 'telemetry', telemetry, ...(await probeApi()), instrumented, sdk: await sdk?.flush() });
    })();
    return;
  }
  if (message.kind !== 'close') {
    return;
  }
  void (async () => {
    await app.close();
    const exported = await sdk?.flush();
    await sdk?.shutdown();
    process.send?.({ kind: 'closed', counts: counter?.counts(), sdk: exported }, () => process.disconnect());
  })();
});
