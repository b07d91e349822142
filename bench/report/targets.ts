import type { DedupeResult } from '../dedupe/dedupe-result.js';
import { ADAPTERS } from '../http/bench-app.js';
import type { HttpResult } from '../http/http-result.js';
import type { StormResult } from '../storm/storm.bench.js';
import type { VerifyResult } from '../verify/verify-measure.js';
import { formatBytes } from './format.js';

/** One target of the issue, checked against this run's figures. */
export interface TargetCheck {
  readonly target: string;
  /** The figure checked, as measured. */
  readonly value: number | boolean | null;
  /** The bound it must meet, e.g. `<= 1.25`. */
  readonly bound: string;
  readonly met: boolean;
  /** Why the figure was not measured (then `value` is null and `met` false). */
  readonly skipped?: string;
}

const VERIFY_FLOOR_LIMIT = 1.25;
const SVIX_SPEEDUP_MIN = 4;
/** Lower bounds of the HTTP ratios, module route / the other (see `HttpRatios`). */
export const HTTP_TARGET_BOUNDS = {
  /** / the hand-written route on createHmac. */
  native: 0.95,
  /** / the hand-written route on svix 1.x. */
  svix: 1.1,
  /** With RedisIdempotencyStore / with the in-memory store, 32 connections. */
  redis: 0.75,
  /** With `@opentelemetry/api` and no SDK / in an app without the API (not instrumented). */
  noSdk: 0.98,
  /** With an SDK over no-op exporters / in an app without the API. */
  otelSdk: 0.85,
} as const;
const MEMORY_LIMIT_MB = 200;

/** The targets, each a ratio or check within this run. */
export function checkTargets(verify: VerifyResult, http: HttpResult, dedupe: DedupeResult, storm: StormResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const c of verify.cases) {
    checks.push({
      target: `native verify / bare HMAC floor, ${formatBytes(c.bytes)}, ${c.secrets} secret${c.secrets > 1 ? 's' : ''}`,
      value: c.nativeOverFloor,
      bound: `<= ${VERIFY_FLOOR_LIMIT}`,
      met: c.nativeOverFloor <= VERIFY_FLOOR_LIMIT,
    });
  }
  const kib = verify.cases.find((c) => c.bytes === 1024 && c.secrets === 1);
  if (kib) {
    checks.push({ target: 'svix / native verify, 1 KiB', value: kib.svixOverNative, bound: `>= ${SVIX_SPEEDUP_MIN}`, met: kib.svixOverNative >= SVIX_SPEEDUP_MIN });
  }
  const atLeast = (target: string, value: number, bound: number): TargetCheck => ({ target, value, bound: `>= ${bound.toFixed(2)}`, met: value >= bound });
  for (const adapter of ADAPTERS) {
    const { ratios } = http.adapters[adapter];
    checks.push(atLeast(`module route / hand-written createHmac route req/s, ${adapter}`, ratios.moduleOverNative, HTTP_TARGET_BOUNDS.native));
    checks.push(atLeast(`module route / hand-written svix route req/s, ${adapter}`, ratios.moduleOverSvix, HTTP_TARGET_BOUNDS.svix));
  }
  for (const adapter of ADAPTERS) {
    const { ratios } = http.adapters[adapter];
    checks.push(atLeast(`module route, OpenTelemetry API without SDK / without the API req/s, ${adapter}`, ratios.moduleOverNoOtel, HTTP_TARGET_BOUNDS.noSdk));
    checks.push(atLeast(`module route, OpenTelemetry SDK + no-op exporter / without the API req/s, ${adapter}`, ratios.otelSdkOverNoOtel, HTTP_TARGET_BOUNDS.otelSdk));
  }
  for (const adapter of ADAPTERS) {
    const target = `module route, Redis store / in-memory store req/s, ${http.connections} connections, ${adapter}`;
    const ratio = http.adapters[adapter].ratios.redisOverMemory;
    if (http.redis.skipped || ratio === undefined) {
      const reason = http.redis.skipped ? http.redis.reason : 'not measured';
      checks.push({ target, value: null, bound: `>= ${HTTP_TARGET_BOUNDS.redis.toFixed(2)}`, met: false, skipped: reason });
    } else {
      checks.push(atLeast(target, ratio, HTTP_TARGET_BOUNDS.redis));
    }
  }
  const { inMemory } = dedupe;
  checks.push({
    target: `in-memory store RSS for ${inMemory.ids.toLocaleString('en-US')} ids, MB`,
    value: inMemory.rssMegabytes,
    bound: `<= ${MEMORY_LIMIT_MB}`,
    met: inMemory.rssMegabytes <= MEMORY_LIMIT_MB,
  });
  const bounded =
    inMemory.afterTwiceLimit.size <= inMemory.maxEntries && inMemory.afterTwiceLimit.oldestEvicted && inMemory.afterTwiceLimit.newestKept;
  checks.push({ target: 'in-memory store bounded beyond its limit (evicts oldest, keeps newest)', value: bounded, bound: 'true', met: bounded });
  for (const adapter of ADAPTERS) {
    const once = storm.adapters[adapter].exactlyOnce;
    checks.push({ target: `storm, every event handled exactly once, ${adapter}`, value: once, bound: 'true', met: once });
  }
  return checks;
}
