import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/** The parts of autocannon 9's API the benchmark uses (the package ships no types). */
export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

export interface AutocannonOptions {
  url: string;
  method?: string;
  connections: number;
  pipelining?: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  amount?: number;
  /** Seconds before a request counts as timed out. */
  timeout?: number;
  requests?: AutocannonRequest[];
  /** Answers for which it returns false count as mismatches. */
  verifyBody?: (body: string) => boolean;
}

export interface AutocannonResult {
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodeStats: Record<string, { count: number }>;
}

/** A running load; emits `response` (client, statusCode, bytes, milliseconds) per answer. */
export interface AutocannonInstance extends EventEmitter {
  stop(): void;
}

type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

/** autocannon, loaded from CommonJS. */
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
