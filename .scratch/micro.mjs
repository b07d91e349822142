import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } from '@opentelemetry/sdk-metrics';
const mode = process.argv[2];
if (mode !== 'none') {
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor({ export: (s, done) => done({ code: 0 }), shutdown: async () => {} })] }));
  api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: { export: (m, done) => done({ code: 0 }), forceFlush: async () => {}, shutdown: async () => {}, selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE }, exportIntervalMillis: 10000 })] }));
}
const tracer = api.trace.getTracer('x');
const meter = api.metrics.getMeter('x');
const counter = meter.createCounter('c'); const hist = meter.createHistogram('h');
const N = 200000;
function time(label, fn) { for (let i = 0; i < 20000; i++) fn(i); const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(i); console.log(label, (Number(process.hrtime.bigint() - t) / N).toFixed(0), 'ns'); }
time('span start+attrs+end', (i) => { const s = tracer.startSpan('wazapin.webhook.receive', { kind: 1, attributes: { 'wazapin.account': 'default' } }); s.setAttributes({ 'wazapin.delivery_id': 'msg_' + i, 'wazapin.event_type': 'message.new' }); s.setAttributes({ 'wazapin.outcome': 'accepted', 'http.response.status_code': 200 }); s.end(); });
time('counter.add 3 attrs', () => counter.add(1, { outcome: 'accepted', event_type: 'message.new', account: 'default' }));
time('hist.record 4 attrs', () => hist.record(3.2, { handler: 'H.on', event_type: 'message.new', account: 'default', outcome: 'success' }));
time('context.with', () => api.context.with(api.trace.setSpan(api.context.active(), api.trace.wrapSpanContext({traceId:'4bf92f3577b34da6a3ce929d0e0e4736',spanId:'00f067aa0ba902b7',traceFlags:1})), () => 1));
let p = Promise.resolve(); const t0 = process.hrtime.bigint(); for (let i = 0; i < N; i++) { p = p.then(() => i); } await p; console.log('promise then', (Number(process.hrtime.bigint() - t0) / N).toFixed(0), 'ns');
process.exit(0);
