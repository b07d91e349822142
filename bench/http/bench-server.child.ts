import type { BenchMessage } from '../support/child-process.js';
import { type AdapterName, CountingStatusHandler, type HandlerSet, startBenchApp } from './bench-app.js';

// Child process: one benchmark app. Reports `ready` with its URL; answers `usage` with the CPU
// time it has used; on `close`, closes the app (waiting for handlers still running in the
// background) and reports what the counting handler saw, if the app has it.
const [adapter, handlers] = process.argv.slice(2) as [AdapterName, HandlerSet];
const secret = process.env.WAZAPIN_BENCH_SECRET ?? '';

const app = await startBenchApp(adapter, handlers, secret);
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
  if (message.kind !== 'close') {
    return;
  }
  void (async () => {
    await app.close();
    process.send?.({ kind: 'closed', counts: counter?.counts() }, () => process.disconnect());
  })();
});
