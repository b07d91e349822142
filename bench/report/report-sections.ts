import { ADAPTERS } from '../http/bench-app.js';
import type { HttpAdapterResult, HttpTargetName } from '../http/http-result.js';
import type { BenchResults } from './bench-results.js';
import { columns, formatBytes, formatDuration, formatRate, formatRatio, markdownTable } from './format.js';
import { HTTP_TARGET_BOUNDS } from './targets.js';

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

/** The routes in the order the tables show them. */
const HTTP_ROWS: readonly HttpTargetName[] = [
  'bare',
  'bareReceipt',
  'native',
  'svix',
  'module',
  'moduleNoOtel',
  'moduleOtelApi',
  'moduleSdkAlone',
  'moduleOtelSdk',
  'module100',
  'moduleTenants',
  'moduleOrdered',
  'moduleValidated',
  'moduleRedis',
  'queue',
];

function httpSection({ http }: BenchResults): ReportSection {
  const rows = [['Adapter', 'Route', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'load gen CPU']];
  const notes = [
    `autocannon in its own process, ${http.connections} connections, ${http.rounds} interleaved rounds of ${http.durationSeconds} s per route; medians.`,
    'Every request to a receiving route (module or hand-written) is a distinct, freshly signed message.status_update delivery, made the same way for every route.',
    'hand-written: Nest routes in the same app (@Post, @Req, rawBody: true) that verify the signature and timestamp, parse, drop a repeated delivery id with a Set, ' +
      'run a no-op handler on setImmediate and answer {"received":true}; each is checked before it is measured (401 on a bad signature, a changed body or a stale timestamp).',
    "server CPU: the app process's CPU time (all threads) per answered request. load gen CPU: autocannon's, % of one core.",
  ];
  for (const adapter of ADAPTERS) {
    const { targets } = http.adapters[adapter];
    for (const name of HTTP_ROWS) {
      const t = targets[name];
      if (!t) {
        continue;
      }
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
  }
  if (http.redis.skipped) {
    notes.push(`Redis store and queue mode skipped: ${http.redis.reason}.`);
  } else {
    notes.push(`Redis store and queue mode: ${http.redis.server}, on the same machine as the app and the load.`);
  }
  return { title: 'HTTP, one process per app, one per load', rows, notes };
}

/** The lowest and highest of the rounds' own req/s ratios of `a` over `b`, e.g. `0.81–1.02`. */
function roundsRange(targets: HttpAdapterResult['targets'], a: HttpTargetName, b: HttpTargetName): string {
  const [over, under] = [targets[a]?.rounds, targets[b]?.rounds];
  if (!over || !under) {
    return '';
  }
  const ratios = over.map((round, i) => round.requestsPerSecond / under[i].requestsPerSecond);
  return `${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))}`;
}

function ratioRow(
  adapter: string,
  against: string,
  ratio: number | undefined,
  range: string,
  byCpu: number | undefined,
  bound: number | undefined,
): string[] {
  const cells = [adapter, against, ratio === undefined ? 'skipped' : formatRatio(ratio), range, byCpu === undefined ? '' : formatRatio(byCpu)];
  if (bound === undefined) {
    return [...cells, 'none', ''];
  }
  return [...cells, `>= ${formatRatio(bound)}`, ratio === undefined ? 'skipped' : ratio >= bound ? 'yes' : 'NO'];
}

function comparisonSection({ http }: BenchResults): ReportSection {
  const rows = [['Adapter', 'Comparison', 'req/s', 'rounds', 'by server CPU', 'Target', 'Met']];
  for (const adapter of ADAPTERS) {
    const { ratios: r, targets: t } = http.adapters[adapter];
    const row = (against: string, ratio: number | undefined, a: HttpTargetName, b: HttpTargetName, byCpu?: number, bound?: number) =>
      rows.push(ratioRow(adapter, against, ratio, roundsRange(t, a, b), byCpu, bound));
    row('module / hand-written, createHmac', r.moduleOverNative, 'module', 'native', r.moduleOverNativeByCpu, HTTP_TARGET_BOUNDS.native);
    row('module / hand-written, svix 1.x', r.moduleOverSvix, 'module', 'svix', r.moduleOverSvixByCpu, HTTP_TARGET_BOUNDS.svix);
    row('module / bare route, 200 + receipt (the limit)', r.moduleOverBareReceipt, 'module', 'bareReceipt', r.moduleOverBareReceiptByCpu);
    row('module / bare route, 204', r.moduleOverBare, 'module', 'bare');
    row('module, OTel API, no SDK / no @opentelemetry/api', r.moduleOverNoOtel, 'moduleOtelApi', 'moduleNoOtel', r.moduleOverNoOtelByCpu, HTTP_TARGET_BOUNDS.noSdk);
    row('module, OTel SDK + no-op exporter / no @opentelemetry/api', r.otelSdkOverNoOtel, 'moduleOtelSdk', 'moduleNoOtel', r.otelSdkOverNoOtelByCpu, HTTP_TARGET_BOUNDS.otelSdk);
    row('module, OTel SDK / the SDK app, module without the API', r.otelSdkOverSdkAlone, 'moduleOtelSdk', 'moduleSdkAlone', r.otelSdkOverSdkAloneByCpu);
    row('module, Redis store / in-memory store', r.redisOverMemory, 'moduleRedis', 'module', r.redisOverMemoryByCpu, HTTP_TARGET_BOUNDS.redis);
    row('module, 100 more handlers / 1 handler', r.module100OverModule, 'module100', 'module');
    row('tenants route, secrets cached / module', r.tenantsOverModule, 'moduleTenants', 'module', r.tenantsOverModuleByCpu);
    row("module, statusOrder: 'drop' / module", r.statusOrderOverModule, 'moduleOrdered', 'module', r.statusOrderOverModuleByCpu);
    row('module, validatePayloads / module', r.validatedOverModule, 'moduleValidated', 'module', r.validatedOverModuleByCpu);
  }
  const exported = ADAPTERS.flatMap((adapter) => {
    const o = http.adapters[adapter].otelSdk;
    return o ? [`${adapter} ${o.receiveSpans.toLocaleString('en-US')} receive and ${o.handlerSpans.toLocaleString('en-US')} handler spans for ${o.requests.toLocaleString('en-US')} requests`] : [];
  });
  return {
    title: 'Module route against the route you would write, same app, same run',
    rows,
    notes: [
      "req/s: the median of the rounds' own ratios of throughput (each round measures every route once, one after another); rounds: the lowest and highest of those. " +
        "by server CPU: the other route's server CPU per request over the module's, median of the rounds' ratios; above 1 the module is the cheaper.",
      'The Redis store row compares the module with RedisIdempotencyStore (a local redis-server) to the module with the default in-memory store; ' +
        "redis-server's own CPU is not in the app's figure.",
      'OTel rows: the same module route in four app processes serving it alone, each checked before it is measured: one where @opentelemetry/api cannot be imported ' +
        '(a module resolve hook; the route as it was before instrumentation), one with the API installed and no SDK, and two that register ' +
        'a BasicTracerProvider with a BatchSpanProcessor, the AsyncLocalStorageContextManager and a MeterProvider with a PeriodicExportingMetricReader ' +
        "(10 s), over exporters that drop what they are given: in one of them the module cannot import the API, so it records nothing and Node's " +
        'AsyncLocalStorage is never turned on.',
      ...(exported.length > 0 ? [`The SDK app's exporters were given, over warm-up and rounds: ${exported.join('; ')}.`] : []),
    ],
  };
}

function queueSection({ http }: BenchResults): ReportSection {
  const rows = [['Adapter', 'acks/s', 'ack p50 ms', 'ack p99 ms', 'server CPU µs/ack', 'handled/s during load', 'backlog at end', 'drain s', 'CPU µs/delivery']];
  const notes: string[] = [];
  if (http.redis.skipped) {
    for (const adapter of ADAPTERS) {
      rows.push([adapter, 'skipped', '', '', '', '', '', '', '']);
    }
    notes.push(`skipped: ${http.redis.reason}.`);
    return { title: "Queue mode (dispatch: 'queue'), acknowledged deliveries", rows, notes };
  }
  for (const adapter of ADAPTERS) {
    const q = http.adapters[adapter].queue;
    const t = http.adapters[adapter].targets.queue;
    if (!q || !t) {
      continue;
    }
    rows.push([
      adapter,
      formatRate(q.acknowledgedPerSecond),
      q.ackLatencyMs.p50.toFixed(2),
      q.ackLatencyMs.p99.toFixed(2),
      t.serverCpuMicrosPerRequest.toFixed(1),
      formatRate(q.handledPerSecondDuringLoad),
      q.backlogAtEnd.toLocaleString('en-US'),
      q.drainSeconds.toFixed(1),
      q.serverCpuMicrosPerHandledDelivery.toFixed(1),
    ]);
  }
  notes.push(
    `BullMQ with RedisIdempotencyStore on ${http.redis.server}, ${http.connections} connections, default queue settings (worker concurrency 10); ` +
      'an ack is a 200 sent once Redis holds the job. The worker runs in the same app process, so it shares its CPU with receiving.',
    'handled/s during load: jobs the worker finished while the load ran; the backlog it left is drained before the next route is measured. ' +
      "CPU µs/delivery: the app's CPU over load and drain per delivery, received and handled.",
  );
  return { title: "Queue mode (dispatch: 'queue'), acknowledged deliveries", rows, notes };
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
    rows.push([t.target, t.skipped === undefined ? String(t.value) : 'skipped', t.bound, t.skipped === undefined ? (t.met ? 'yes' : 'NO') : 'skipped']);
  }
  const notes = targets.filter((t) => t.skipped !== undefined).map((t) => `${t.target}: skipped, ${t.skipped}.`);
  return { title: 'Targets (ratios within this run)', rows, notes };
}

/** The report's sections, in order. */
export function reportSections(results: BenchResults): ReportSection[] {
  return [
    verifySection(results),
    httpSection(results),
    comparisonSection(results),
    queueSection(results),
    dedupeSection(results),
    stormSection(results),
    targetsSection(results),
  ];
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
