import type { BenchMessage } from '../support/child-process.js';
import { type AdapterName, CountingStatusHandler, type HandlerSet, type ModuleSetup, startBenchApp } from './bench-app.js';

// Child process: one benchmark app (adapter, handler set, module setup; the Redis of the `redis`
// and `queue` setups in WAZAPIN_BENCH_REDIS_URL). Reports `ready` with its URL; answers `usage`
// with the CPU time it has used and `counts` with what the counting handler saw so far; on
// `close`, closes the app (waiting for handlers still running in the background) and reports
// what the counting handler saw, if the app has it.
const [adapter, handlers, setup = 'memory'] = process.argv.slice(2) as [AdapterName, HandlerSet, ModuleSetup?];
const secret = process.env.WAZAPIN_BENCH_SECRET ?? '';

const app = await startBenchApp(adapter, handlers, secret, setup, process.env.WAZAPIN_BENCH_REDIS_URL);
const counter = handlers === 'counting' ? app.get(CountingStatusHandler) : undefined;
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
process.send?.({ kind: 'ready', url });

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
  if (message.kind !== 'close') {
    return;
  }
  void (async () => {
    await app.close();
    process.send?.({ kind: 'closed', counts: counter?.counts() }, () => process.disconnect());
  })();
});
