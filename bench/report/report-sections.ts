import { ADAPTERS } from '../http/bench-app.js';
import { HTTP_TARGETS } from '../http/http-result.js';
import type { BenchResults } from './bench-results.js';
import { columns, formatBytes, formatDuration, formatRate, formatRatio, markdownTable } from './format.js';

/** A titled table of the report, with notes under it. */
export interface ReportSection {
  readonly title: string;
  readonly rows: readonly (readonly string[])[];
  readonly notes: readonly string[];
}

function verifySection({ verify }: BenchResults): ReportSection {
  const rows = [['Secrets', 'Body', 'native', 'svix 1.x', 'floor', 'native / floor', 'svix / native']];
  for (const c of verify.cases) {
    const { native, svix, floor } = c.contenders;
    rows.push([
      String(c.secrets),
      formatBytes(c.bytes),
      formatDuration(native.nsPerCall),
      formatDuration(svix.nsPerCall),
      formatDuration(floor.nsPerCall),
      formatRatio(c.nativeOverFloor),
      formatRatio(c.svixOverNative),
    ]);
  }
  return {
    title: 'Signature verification, time per call',
    rows,
    notes: [
      `Median of ${verify.rounds} interleaved rounds; each ratio is the median of the rounds' own ratios.`,
      'floor: one createHmac per configured secret over the same bytes, then timingSafeEqual against the already-decoded signature; ' +
        "native computes HMACs of up to 4 KiB without createHmac's per-call set-up, hence ratios below 1.",
      'With 2 secrets only the second one signed the delivery (rotation): every contender tries both.',
    ],
  };
}

function httpSection({ http }: BenchResults): ReportSection {
  const rows = [['Adapter', 'Route', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'load gen CPU']];
  const notes = [
    `autocannon in its own process, ${http.connections} connections, ${http.rounds} interleaved rounds of ${http.durationSeconds} s per route; medians.`,
    'Every request to the module route is a distinct, freshly signed message.status_update delivery.',
    "server CPU: the app process's CPU time (all threads) per answered request. load gen CPU: autocannon's, % of one core.",
  ];
  for (const adapter of ADAPTERS) {
    const { targets, ratios } = http.adapters[adapter];
    for (const name of HTTP_TARGETS) {
      const t = targets[name];
      rows.push([
        adapter,
        t.label,
        formatRate(t.requestsPerSecond),
        t.latencyMs.p50.toFixed(2),
        t.latencyMs.p99.toFixed(2),
        t.serverCpuMicrosPerRequest.toFixed(1),
        `${Math.round(t.loadGeneratorCpuPercent)} %`,
      ]);
    }
    notes.push(
      `${adapter}: module / bare ${formatRatio(ratios.moduleOverBare)} (by server CPU per request ${formatRatio(ratios.moduleOverBareByCpu)}), module / bare with receipt ${formatRatio(ratios.moduleOverBareReceipt)}, ` +
        `bare with receipt / bare ${formatRatio(ratios.bareReceiptOverBare)}, 100 more handlers / 1 handler ${formatRatio(ratios.module100OverModule)}.`,
    );
  }
  return { title: 'HTTP, one process per app, one per load', rows, notes };
}

function dedupeSection({ dedupe }: BenchResults): ReportSection {
  const { inMemory, redis } = dedupe;
  const ids = inMemory.ids.toLocaleString('en-US');
  const rows = [
    ['Store', 'Figure', 'Value'],
    ['in-memory', `claims/s, claimSync, ${ids} distinct keys`, formatRate(inMemory.claimSyncPerSecond)],
    ['in-memory', 'claims/s, await claim()', formatRate(inMemory.claimPerSecond)],
    ['in-memory', `RSS growth for ${ids} ids (heap + typed arrays)`, `${inMemory.rssMegabytes.toFixed(1)} MB (${inMemory.heapAndBuffersMegabytes.toFixed(1)} MB)`],
    [
      'in-memory',
      `after ${(2 * inMemory.ids).toLocaleString('en-US')} ids: size, RSS growth`,
      `${inMemory.afterTwiceLimit.size.toLocaleString('en-US')}, ${inMemory.afterTwiceLimit.rssMegabytes.toFixed(1)} MB`,
    ],
  ];
  if (redis.skipped) {
    rows.push(['Redis', 'skipped', redis.reason]);
  } else {
    rows.push(['Redis', 'claims/s, one at a time', formatRate(redis.sequentialClaimsPerSecond)]);
    rows.push(['Redis', `claims/s, ${redis.concurrency} in flight`, formatRate(redis.concurrentClaimsPerSecond)]);
  }
  const notes = [`In-memory figures from a fresh process run with --expose-gc, keys made as the receiver makes them.`];
  if (!redis.skipped) {
    notes.push(`Redis: ${redis.server}, ${redis.claims.toLocaleString('en-US')} claims each way.`);
  }
  return { title: 'Deduplication', rows, notes };
}

function stormSection({ storm }: BenchResults): ReportSection {
  const rows = [['Adapter', 'Requests', 'req/s', 'events/s', 'p50 ms', 'p99 ms', 'Handled', 'Duplicate receipts', 'Exactly once']];
  for (const adapter of ADAPTERS) {
    const s = storm.adapters[adapter];
    rows.push([
      adapter,
      s.plan.total.toLocaleString('en-US'),
      formatRate(s.requestsPerSecond),
      formatRate(s.eventsPerSecond),
      s.latencyMs.p50.toFixed(2),
      s.latencyMs.p99.toFixed(2),
      s.handler.invocations.toLocaleString('en-US'),
      s.duplicateReceipts.toLocaleString('en-US'),
      s.exactlyOnce ? 'yes' : 'NO',
    ]);
  }
  const plan = storm.adapters[ADAPTERS[0]].plan;
  const notes = [
    `${plan.unique.toLocaleString('en-US')} distinct events, plus ${plan.retries.toLocaleString('en-US')} retries (same delivery id, new signature) ` +
      `and ${plan.reemissions.toLocaleString('en-US')} re-emissions (same message and status, new delivery id); ${storm.connections} connections.`,
  ];
  return { title: 'Status-update storm', rows, notes };
}

function targetsSection({ targets }: BenchResults): ReportSection {
  const rows = [['Target', 'Value', 'Bound', 'Met']];
  for (const t of targets) {
    rows.push([t.target, typeof t.value === 'number' ? String(t.value) : String(t.value), t.bound, t.met ? 'yes' : 'NO']);
  }
  return { title: 'Targets (ratios within this run)', rows, notes: [] };
}

/** The report's sections, in order. */
export function reportSections(results: BenchResults): ReportSection[] {
  return [verifySection(results), httpSection(results), dedupeSection(results), stormSection(results), targetsSection(results)];
}

function header({ meta }: BenchResults): string {
  return `${meta.mode} run, ${meta.date}, ${meta.cpuCount} × ${meta.cpu}, Node ${meta.node}${meta.commit ? `, commit ${meta.commit}` : ''}`;
}

/** The report as plain text, for the terminal. */
export function renderText(results: BenchResults): string {
  const parts = [header(results)];
  for (const section of reportSections(results)) {
    parts.push(`\n${section.title}\n${columns(section.rows)}${section.notes.map((note) => `\n  ${note}`).join('')}`);
  }
  return `${parts.join('\n')}\n`;
}

/** The report as Markdown, for the README. */
export function renderMarkdown(results: BenchResults): string {
  const parts = [`_${header(results)}_`];
  for (const section of reportSections(results)) {
    const notes = section.notes.map((note) => `- ${note}`).join('\n');
    parts.push(`**${section.title}**\n\n${markdownTable(section.rows)}${notes ? `\n\n${notes}` : ''}`);
  }
  return `${parts.join('\n\n')}\n`;
}
