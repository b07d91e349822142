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
  readonly value: number | boolean;
  /** The bound it must meet, e.g. `<= 1.25`. */
  readonly bound: string;
  readonly met: boolean;
}

const VERIFY_FLOOR_LIMIT = 1.25;
const SVIX_SPEEDUP_MIN = 4;
const HTTP_SHARE_MIN = 0.85;
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
  for (const adapter of ADAPTERS) {
    const share = http.adapters[adapter].ratios.moduleOverBare;
    checks.push({ target: `module route / bare route req/s, ${adapter}`, value: share, bound: `>= ${HTTP_SHARE_MIN}`, met: share >= HTTP_SHARE_MIN });
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
