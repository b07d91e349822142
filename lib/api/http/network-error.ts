/** What is known about a failed `fetch`, read without `instanceof` (its errors may come from another realm). */
export interface NetworkErrorInfo {
  /** `TimeoutError` when an `AbortSignal.timeout` fired. */
  name?: string;
  message?: string;
  /** The system or undici error code of the cause, e.g. `ECONNREFUSED`. */
  code?: string;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads a `fetch` failure: its name, message, and the code of its cause (or first aggregated cause). */
export function describeNetworkError(error: unknown): NetworkErrorInfo {
  const cause = field(error, 'cause');
  const errors = field(cause, 'errors');
  const code = text(field(cause, 'code')) ?? (Array.isArray(errors) ? text(field(errors[0], 'code')) : undefined) ?? text(field(error, 'code'));
  return { name: text(field(error, 'name')), message: text(field(error, 'message')), code };
}
