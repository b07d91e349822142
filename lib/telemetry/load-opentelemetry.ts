import type * as OpenTelemetry from '@opentelemetry/api';

/** The OpenTelemetry API, as the app installed it. */
export type OpenTelemetryApi = typeof OpenTelemetry;

/**
 * Loads `@opentelemetry/api` when the app has it, and `undefined` when it does not: it is an
 * optional peer, and without it nothing is instrumented. The API keeps its registered SDK in a
 * process-wide global, so this copy reaches the app's SDK whichever copy the app registered it with.
 */
export async function loadOpenTelemetry(): Promise<OpenTelemetryApi | undefined> {
  try {
    return await import('@opentelemetry/api');
  } catch {
    return undefined;
  }
}
