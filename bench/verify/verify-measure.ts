import { median, percentile, round } from '../support/stats.js';
import { VERIFY_CONTENDERS, type VerifyCall, type VerifyContender, verifyContenders } from './verify-contenders.js';

/** Body sizes measured, in bytes. */
export const VERIFY_SIZES = [256, 1024, 64 * 1024, 1024 * 1024] as const;

/** Per-call figures of one contender in one case. */
export interface VerifyContenderFigures {
  /** Median over rounds, nanoseconds per call. */
  readonly nsPerCall: number;
  /** First and third quartiles over rounds, nanoseconds per call: the spread. */
  readonly p25: number;
  readonly p75: number;
  readonly callsPerSecond: number;
  /** Calls in one timed batch. */
  readonly batchCalls: number;
}

/** One size and secret count, every contender measured in the same interleaved rounds. */
export interface VerifyCaseResult {
  readonly bytes: number;
  readonly secrets: number;
  readonly contenders: Record<VerifyContender, VerifyContenderFigures>;
  /**
   * native / floor, the median of the rounds' ratios (each round times both back to back, so
   * the machine's drift cancels): at most 1.25 is the target.
   */
  readonly nativeOverFloor: number;
  /** svix / native, likewise: how many times faster native is; at least 4 at 1 KiB is the target. */
  readonly svixOverNative: number;
}

/** Batches of each contender run unmeasured before the rounds. */
const WARMUP_BATCHES = 4;

function byContender<T>(value: (name: VerifyContender) => T): Record<VerifyContender, T> {
  return Object.fromEntries(VERIFY_CONTENDERS.map((name) => [name, value(name)])) as Record<VerifyContender, T>;
}

function timeBatch(call: VerifyCall, iterations: number): number {
  let accepted = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    if (call()) {
      accepted++;
    }
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  if (accepted !== iterations) {
    throw new Error(`a contender rejected a valid delivery (${iterations - accepted} of ${iterations})`);
  }
  return elapsed;
}

/** Iterations that make one batch last about `batchMs`, found by doubling. */
function calibrate(call: VerifyCall, batchMs: number): number {
  let iterations = 1;
  for (;;) {
    const elapsed = timeBatch(call, iterations);
    if (elapsed >= (batchMs * 1e6) / 4 || iterations >= 1 << 24) {
      return Math.max(1, Math.round((iterations * batchMs * 1e6) / elapsed));
    }
    iterations *= 2;
  }
}

/** Measures every contender on one case, in `rounds` interleaved rounds of `batchMs` batches. */
export function measureVerifyCase(bytes: number, secrets: number, rounds: number, batchMs: number): VerifyCaseResult {
  const calls = verifyContenders(bytes, secrets);
  const iterations = byContender((name) => calibrate(calls[name], batchMs));
  // Unmeasured batches first, so every contender's code is optimised before the first round.
  for (const name of VERIFY_CONTENDERS) {
    timeBatch(calls[name], iterations[name] * WARMUP_BATCHES);
  }
  const samples = byContender((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    // Each round starts with a different contender, so drift and GC debt fall on all alike.
    for (let k = 0; k < VERIFY_CONTENDERS.length; k++) {
      const name = VERIFY_CONTENDERS[(r + k) % VERIFY_CONTENDERS.length];
      samples[name].push(timeBatch(calls[name], iterations[name]) / iterations[name]);
    }
  }
  const contenders = byContender((name): VerifyContenderFigures => {
    const sorted = [...samples[name]].sort((a, b) => a - b);
    const ns = percentile(sorted, 50);
    return {
      nsPerCall: round(ns),
      p25: round(percentile(sorted, 25)),
      p75: round(percentile(sorted, 75)),
      callsPerSecond: round(1e9 / ns),
      batchCalls: iterations[name],
    };
  });
  const pairedRatio = (a: VerifyContender, b: VerifyContender) => round(median(samples[a].map((ns, r) => ns / samples[b][r])), 3);
  return { bytes, secrets, contenders, nativeOverFloor: pairedRatio('native', 'floor'), svixOverNative: pairedRatio('svix', 'native') };
}

/** What the verification section reports. */
export interface VerifyResult {
  readonly rounds: number;
  readonly batchMs: number;
  readonly cases: readonly VerifyCaseResult[];
}
