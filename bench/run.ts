import { generateWazapinSecret } from '../lib/testing/sign-wazapin-delivery.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchDedupe } from './dedupe/dedupe.bench.js';
import { benchHttp } from './http/http.bench.js';
import { benchMeta } from './report/bench-meta.js';
import type { BenchResults } from './report/bench-results.js';
import { renderMarkdown, renderText } from './report/report-sections.js';
import { checkTargets } from './report/targets.js';
import { benchStorm } from './storm/storm.bench.js';
import { benchModeFromArgs } from './support/bench-mode.js';
import { runBenchChild } from './support/child-process.js';
import { progress } from './support/progress.js';
import type { VerifyResult } from './verify/verify-measure.js';

// `npm run bench` (full) or `npm run bench -- --quick` (shorter rounds): measures, prints the
// tables, writes bench/results/latest.json. `--markdown` prints the last results as the README's
// Markdown tables instead, without measuring.
//
// Profiling: WAZAPIN_BENCH_CPU_PROF=<dir> starts every app process of the HTTP and storm sections
// with `node --cpu-prof --cpu-prof-dir=<dir>`; each writes a CPU.<date>.<time>.<pid>.….cpuprofile
// there when it closes (a progress line names the app of each pid). Open them in Chrome DevTools
// (Performance panel) or speedscope, e.g.:
//   WAZAPIN_BENCH_CPU_PROF=/tmp/wazapin-prof npm run bench -- --quick
const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
const LATEST = `${RESULTS_DIR}latest.json`;
const VERIFY_LIMIT_MS = 5 * 60_000;

async function main(args: readonly string[]): Promise<void> {
  if (args.includes('--markdown')) {
    process.stdout.write(renderMarkdown(JSON.parse(readFileSync(LATEST, 'utf8')) as BenchResults));
    return;
  }
  const mode = benchModeFromArgs(args);
  const startedAt = new Date();
  const secret = generateWazapinSecret();
  process.stderr.write(`nestjs-wazapin-webhooks benchmark, ${mode.name} mode\n`);

  progress('verification');
  const verify = await runBenchChild<VerifyResult>('verify/verify.child.js', [mode.name], { timeoutMs: VERIFY_LIMIT_MS });
  progress('http');
  const http = await benchHttp(mode, secret);
  progress('deduplication');
  const dedupe = await benchDedupe(mode);
  progress('storm');
  const storm = await benchStorm(mode, secret);

  const results: BenchResults = {
    meta: benchMeta(mode.name, startedAt),
    verify,
    http,
    dedupe,
    storm,
    targets: checkTargets(verify, http, dedupe, storm),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(LATEST, json);
  writeFileSync(`${RESULTS_DIR}${mode.name}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, json);
  process.stdout.write(renderText(results));
  process.stderr.write(`\nwritten: bench/results/latest.json (${results.meta.durationSeconds} s)\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
