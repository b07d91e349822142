/** How long and how hard each section of the benchmark runs. */
export interface BenchMode {
  readonly name: 'quick' | 'full';
  readonly verify: {
    /** Rounds of every contender, interleaved; figures are medians over rounds. */
    readonly rounds: number;
    /** Target wall time of one timed batch of calls. */
    readonly batchMs: number;
  };
  readonly http: {
    readonly rounds: number;
    readonly durationSeconds: number;
    /** Unmeasured load before a target's first round, so its path is compiled. */
    readonly warmupSeconds: number;
    readonly connections: number;
  };
  readonly dedupe: {
    /** Distinct ids claimed in the in-memory store. */
    readonly ids: number;
    /** Claims timed against Redis. */
    readonly redisClaims: number;
  };
  readonly storm: {
    /** Distinct deliveries; duplicates come on top. The same in both modes: 50,000. */
    readonly deliveries: number;
    readonly duplicateRatio: number;
    readonly connections: number;
  };
}

const FULL: BenchMode = {
  name: 'full',
  verify: { rounds: 151, batchMs: 4 },
  http: { rounds: 5, durationSeconds: 6, warmupSeconds: 3, connections: 32 },
  dedupe: { ids: 1_000_000, redisClaims: 100_000 },
  storm: { deliveries: 50_000, duplicateRatio: 0.1, connections: 32 },
};

const QUICK: BenchMode = {
  name: 'quick',
  verify: { rounds: 41, batchMs: 2 },
  // Eight routes per adapter: five rounds of 1 s rather than two of 3 s, so each ratio is the
  // median of five paired rounds and a slow spell of a shared machine spoils one, not half.
  http: { rounds: 5, durationSeconds: 1, warmupSeconds: 1, connections: 32 },
  dedupe: { ids: 1_000_000, redisClaims: 20_000 },
  storm: { deliveries: 50_000, duplicateRatio: 0.1, connections: 32 },
};

/** The mode named on the command line: `--quick` for a short run, full otherwise. */
export function benchModeFromArgs(args: readonly string[]): BenchMode {
  return args.includes('--quick') ? QUICK : FULL;
}

/** The mode of the given name, as passed to child processes. */
export function benchModeNamed(name: string | undefined): BenchMode {
  return name === 'quick' ? QUICK : FULL;
}
