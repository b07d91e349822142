import type { SpanContext, TraceState } from '@opentelemetry/api';
import type { OpenTelemetryApi } from './load-opentelemetry.js';
import type { TraceCarrier } from './wazapin-telemetry.interface.js';

/** W3C Trace Context version 00: version, trace id, parent id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Longest `tracestate` kept, as W3C Trace Context bounds it. */
const MAX_TRACESTATE_LENGTH = 512;

/** A span's context as a job carries it. */
export function toCarrier({ traceId, spanId, traceFlags, traceState }: SpanContext): TraceCarrier {
  const traceparent = `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
  const tracestate = traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * The remote span context a job carries, or `undefined` when it carries none that is well formed:
 * job data comes from Redis, where anything may have written it.
 */
export function fromCarrier(api: OpenTelemetryApi, carrier: TraceCarrier): SpanContext | undefined {
  const match = typeof carrier.traceparent === 'string' ? TRACEPARENT.exec(carrier.traceparent) : null;
  if (!match) {
    return undefined;
  }
  const [, traceId, spanId, flags] = match;
  const { tracestate } = carrier;
  const traceState: TraceState | undefined =
    typeof tracestate === 'string' && tracestate.length <= MAX_TRACESTATE_LENGTH ? api.createTraceState(tracestate) : undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true, traceState };
  return api.trace.isSpanContextValid(context) ? context : undefined;
}
