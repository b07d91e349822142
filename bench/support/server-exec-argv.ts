/**
 * Node flags of the benchmark's app processes: `--cpu-prof` into the directory named by
 * `WAZAPIN_BENCH_CPU_PROF`, when set (see bench/run.ts), else none.
 */
export function serverExecArgv(): string[] {
  const dir = process.env.WAZAPIN_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
