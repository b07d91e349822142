import type { DedupeResult } from '../dedupe/dedupe-result.js';
import type { HttpResult } from '../http/http-result.js';
import type { StormResult } from '../storm/storm.bench.js';
import type { VerifyResult } from '../verify/verify-measure.js';
import type { TargetCheck } from './targets.js';

/** Where and how a run was made. */
export interface BenchMeta {
  readonly mode: 'quick' | 'full';
  readonly date: string;
  readonly commit?: string;
  readonly node: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cpuCount: number;
  readonly versions: Record<string, string>;
  readonly durationSeconds: number;
}

/** Everything `npm run bench` measured: the content of `bench/results/latest.json`. */
export interface BenchResults {
  readonly meta: BenchMeta;
  readonly verify: VerifyResult;
  readonly http: HttpResult;
  readonly dedupe: DedupeResult;
  readonly storm: StormResult;
  readonly targets: readonly TargetCheck[];
}
