/** Latency percentiles of one load run, in milliseconds, from every response's own timing. */
export interface LatencyFigures {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** What one bounded autocannon run measured. */
export interface LoadResult {
  /** Wall time of the run, seconds. */
  readonly durationSeconds: number;
  readonly responses: number;
  readonly ok2xx: number;
  /** 2xx answers per second: the throughput figure. */
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencyFigures;
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  /** Answers whose body differed from the expected one (e.g. a duplicate receipt). */
  readonly mismatches: number;
  /** Requests signed during the run because the pre-signed ones ran out. */
  readonly signedDuringRun: number;
  /** CPU the load generator used, as a share of one core: near 100 would mean it was the limit. */
  readonly loadGeneratorCpuPercent: number;
}

/** Options of a load run, passed to the load child as JSON. */
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds, for a timed run of distinct deliveries. */
  readonly durationSeconds?: number;
  /** Distinct deliveries signed before the run starts. */
  readonly presigned?: number;
  /** A storm instead: this many distinct events and this ratio of duplicates. */
  readonly storm?: { readonly unique: number; readonly duplicateRatio: number; readonly seed: number };
  /** Body every answer must have; others count as mismatches. */
  readonly expectBody?: string;
}
