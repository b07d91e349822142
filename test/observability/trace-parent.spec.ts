import * as api from '@opentelemetry/api';
import { fromCarrier, toCarrier } from '../../lib/telemetry/trace-parent.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('the trace context a queued job carries', () => {
  it('round-trips a span context, flags and trace state included, as a remote parent', () => {
    const carrier = toCarrier({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: api.createTraceState('vendor=a,other=b') });
    expect(carrier).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'vendor=a,other=b' });
    const context = fromCarrier(api, carrier);
    expect(context).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
    expect(context?.traceState?.get('vendor')).toBe('a');
  });

  it('leaves out an empty trace state', () => {
    expect(toCarrier({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0 })).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` });
  });

  // Job data is read from Redis, where anything may have written it: none of these may throw or parent a span.
  it.each([
    ['no traceparent', {}],
    ['a number', { traceparent: 42 }],
    ['an object', { traceparent: { toString: () => `00-${TRACE_ID}-${SPAN_ID}-01` } }],
    ['another version', { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }],
    ['upper-case hex', { traceparent: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01` }],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }],
    ['an all-zero span id', { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` }],
    ['a trailing field', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01-extra` }],
    ['a line break', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01\n` }],
    ['a megabyte', { traceparent: 'a'.repeat(1 << 20) }],
  ])('ignores a carrier with %s', (_label, carrier) => {
    expect(fromCarrier(api, carrier as never)).toBeUndefined();
  });

  it('keeps the parent but drops a trace state that is not a string or is too long', () => {
    for (const tracestate of [7, 'k=' + 'v'.repeat(600)]) {
      const context = fromCarrier(api, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate } as never);
      expect(context).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
      expect(context?.traceState).toBeUndefined();
    }
  });
});
