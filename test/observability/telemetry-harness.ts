/**
 * What the observability e2e specs share (issue 15, "Tracing" and "Metrics"): the real
 * OpenTelemetry SDK registered globally, as an app registers it before creating its Nest app
 * (a BasicTracerProvider exporting to memory, AsyncLocalStorage context, a MeterProvider read
 * on demand), and the look-ups the specs make in what it recorded.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { context, metrics, ROOT_CONTEXT, SpanKind, trace, type Attributes, type AttributeValue, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ROOT } from '../support/compiled.js';
import { waitUntil } from '../support/wait-until.js';

/** The instrumentation scope of the module's tracer and meter. */
export const SCOPE = 'nestjs-wazapin-webhooks';
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export const RECEIVE = 'wazapin.webhook.receive';
export const handlerSpanName = (handler: string) => `wazapin.handler ${handler}`;

export const DELIVERIES = 'wazapin.webhook.deliveries';
export const HANDLER_DURATION = 'wazapin.webhook.handler.duration';
export const DELAY = 'wazapin.webhook.delay';
export const QUEUE_WAITING = 'wazapin.webhook.queue.waiting';
export const DEAD_LETTERS = 'wazapin.webhook.dead_letters';

/** A reader the test collects from when it wants; delta, so each collection holds what happened since the last. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One data point of one collection, with what it belongs to. */
export interface Point {
  metric: string;
  unit: string;
  scope: string;
  type: DataPointType;
  attributes: Attributes;
  /** A sum or gauge's value. */
  value?: number;
  /** A histogram's count, sum, min and max. */
  histogram?: { count: number; sum?: number; min?: number; max?: number };
  /** Which collection (1 first) it came from. */
  collection: number;
}

export interface Telemetry {
  /** The test's own tracer, for spans a user's code would start. */
  readonly tracer: Tracer;
  /** Every finished span since the last {@link reset}. */
  spans(): ReadableSpan[];
  /** Finished spans of `name`, optionally with these attribute values. */
  named(name: string, attributes?: Attributes): ReadableSpan[];
  /** Finished spans whose parent is `parent` (same trace, parent span id = its span id). */
  childrenOf(parent: ReadableSpan): ReadableSpan[];
  /** Waits for `count` finished spans of `name` with these attributes (default 1), and returns them. */
  waitForSpans(name: string, attributes: Attributes, count?: number, timeoutMs?: number): Promise<ReadableSpan[]>;
  /** Reads the meters into the points kept since the last {@link reset}. */
  collect(): Promise<void>;
  /** Every point collected since the last {@link reset}. */
  points(metric?: string): Point[];
  /** Sum of a counter's points whose attributes are exactly `attributes`. */
  sum(metric: string, attributes: Attributes): number;
  /** Sum of a histogram's counts whose attributes are exactly `attributes`. */
  histogramCount(metric: string, attributes: Attributes): number;
  /** The histograms' points whose attributes are exactly `attributes`. */
  histograms(metric: string, attributes: Attributes): NonNullable<Point['histogram']>[];
  /** A gauge's value in the latest collection that reported it with exactly `attributes`. */
  gauge(metric: string, attributes: Attributes): number | undefined;
  /** Collects and forgets what was recorded so far, and clears the finished spans. */
  reset(): Promise<void>;
}

/** Whether two attribute sets hold the same keys and values. */
export function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a).filter((key) => a[key] !== undefined);
  const other = Object.keys(b).filter((key) => b[key] !== undefined);
  return keys.length === other.length && keys.every((key) => sameValue(a[key], b[key]));
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((value, i) => value === b[i]) : a === b;
}

/** Whether `span` holds every attribute of `attributes` with its value. */
export function hasAttributes(span: ReadableSpan, attributes: Attributes): boolean {
  return Object.entries(attributes).every(([key, value]) => sameValue(span.attributes[key], value));
}

let registered: Telemetry | undefined;

/**
 * Registers the SDK globally (once per test file, which is one module registry and one global
 * object under Jest): call it at the top of the file, before any Nest app is created.
 */
export function setUpTelemetry(): Telemetry {
  if (registered) {
    return registered;
  }
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new OnDemandReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

  let collected: Point[] = [];
  let collections = 0;
  const read = async (): Promise<Point[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) {
      throw new AggregateError(errors, 'collecting the metrics failed');
    }
    const collection = ++collections;
    return resourceMetrics.scopeMetrics.flatMap((scopeMetrics) =>
      scopeMetrics.metrics.flatMap((metric: MetricData) =>
        metric.dataPoints.map((point): Point => {
          const base = {
            metric: metric.descriptor.name,
            unit: metric.descriptor.unit,
            scope: scopeMetrics.scope.name,
            type: metric.dataPointType,
            attributes: point.attributes,
            collection,
          };
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            const value = point.value as { count: number; sum?: number; min?: number; max?: number };
            return { ...base, histogram: { count: value.count, sum: value.sum, min: value.min, max: value.max } };
          }
          return { ...base, value: point.value as number };
        }),
      ),
    );
  };
  const points = (metric?: string) => collected.filter((point) => metric === undefined || point.metric === metric);
  const exactly = (metric: string, attributes: Attributes) => points(metric).filter((point) => sameAttributes(point.attributes, attributes));
  const spans = () => exporter.getFinishedSpans();
  const named = (name: string, attributes: Attributes = {}) => spans().filter((span) => span.name === name && hasAttributes(span, attributes));

  registered = {
    tracer: trace.getTracer('observability-e2e'),
    spans,
    named,
    childrenOf: (parent) =>
      spans().filter(
        (span) =>
          span.spanContext().traceId === parent.spanContext().traceId && span.parentSpanContext?.spanId === parent.spanContext().spanId,
      ),
    async waitForSpans(name, attributes, count = 1, timeoutMs = 10_000) {
      await waitUntil(`${count} finished "${name}" span(s) with ${JSON.stringify(attributes)}`, () => named(name, attributes).length >= count, timeoutMs);
      return named(name, attributes);
    },
    async collect() {
      collected.push(...(await read()));
    },
    points,
    sum: (metric, attributes) => exactly(metric, attributes).reduce((total, point) => total + (point.value ?? 0), 0),
    histogramCount: (metric, attributes) => exactly(metric, attributes).reduce((total, point) => total + (point.histogram?.count ?? 0), 0),
    histograms: (metric, attributes) => exactly(metric, attributes).flatMap((point) => (point.histogram ? [point.histogram] : [])),
    gauge: (metric, attributes) => exactly(metric, attributes).at(-1)?.value,
    async reset() {
      await read();
      collected = [];
      exporter.reset();
    },
  };
  return registered;
}

/** A span's ids, for messages and comparisons. */
export function idsOf(span: ReadableSpan): { traceId: string; spanId: string; parentSpanId: string | undefined } {
  return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, parentSpanId: span.parentSpanContext?.spanId };
}

/** The exception events of a span, as `{ type, message }`. */
export function exceptionsOf(span: ReadableSpan): { type: unknown; message: unknown }[] {
  return span.events
    .filter((event) => event.name === 'exception')
    .map((event) => ({ type: event.attributes?.['exception.type'], message: event.attributes?.['exception.message'] }));
}

/**
 * Wraps every request `server` takes in an active SERVER span, as an HTTP instrumentation does
 * (the context bound to the request and response emitters too), started under `parent` (e.g. a
 * remote context the instrumentation extracted from the request's traceparent); returns the
 * spans it makes, as it makes them.
 */
export function traceRequestsAsHttpInstrumentation(server: Server, tracer: Tracer, parent: Context = ROOT_CONTEXT): ReadableSpan[] {
  const listeners = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  const made: ReadableSpan[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const span = tracer.startSpan(`POST ${req.url}`, { kind: SpanKind.SERVER }, parent);
    made.push(span as unknown as ReadableSpan);
    res.once('close', () => span.end());
    const active = trace.setSpan(parent, span);
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, () => listeners.forEach((listener) => listener.call(server, req, res)));
  });
  return made;
}
