/** Options of {@link serverExecArgv}. */
export interface ServerExecOptions {
  /**
   * Start the process with `--import` of without-opentelemetry.js, so `@opentelemetry/api` cannot
   * be imported in it: the module then boots without telemetry, as in an app without the API.
   */
  readonly withoutOpenTelemetry?: boolean;
}

/**
 * Node flags of the benchmark's app processes: `--cpu-prof` into the directory named by
 * `WAZAPIN_BENCH_CPU_PROF`, when set (see bench/run.ts), and the hook hiding `@opentelemetry/api`
 * when asked; else none.
 */
export function serverExecArgv({ withoutOpenTelemetry = false }: ServerExecOptions = {}): string[] {
  const dir = process.env.WAZAPIN_BENCH_CPU_PROF;
  const flags = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  if (withoutOpenTelemetry) {
    flags.push('--import', new URL('./without-opentelemetry.js', import.meta.url).href);
  }
  return flags;
}
