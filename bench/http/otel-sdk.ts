import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** How often the metric reader collects and exports, as an app would set it. */
const METRIC_EXPORT_INTERVAL_MS = 10_000;

/** What the no-op exporters of {@link registerBenchSdk} were given so far. */
export interface SdkCounts {
  /** Spans exported, of every name. */
  readonly spans: number;
  /** Of those, by name (`wazapin.webhook.receive`, `wazapin.handler …`). */
  readonly spansByName: Record<string, number>;
  /** Metric exports, and the names of the metrics the last one held. */
  readonly metricExports: number;
  readonly metricNames: readonly string[];
}

/** The SDK registered in an app process, and what it exported. */
export interface BenchSdk {
  /** Exports what the processors and the reader hold now, then reports every export so far. */
  flush(): Promise<SdkCounts>;
  /** What was exported so far, without flushing. */
  counts(): SdkCounts;
  shutdown(): Promise<void>;
}

/**
 * Registers a real OpenTelemetry SDK as an app would, before the Nest app is created: a
 * `BasicTracerProvider` with a `BatchSpanProcessor` (its default batching), the
 * `AsyncLocalStorageContextManager`, and a `MeterProvider` with a `PeriodicExportingMetricReader`,
 * each over an exporter that counts what it is given and drops it (a no-op exporter), so the figure
 * is the cost of recording, not of sending.
 */
export function registerBenchSdk(): BenchSdk {
  const spansByName = new Map<string, number>();
  let spans = 0;
  let metricExports = 0;
  let metricNames: string[] = [];

  const spanExporter: SpanExporter = {
    export(batch, done) {
      spans += batch.length;
      for (const span of batch) {
        spansByName.set(span.name, (spansByName.get(span.name) ?? 0) + 1);
      }
      done({ code: 0 });
    },
    shutdown: async () => undefined,
    forceFlush: async () => undefined,
  };
  const metricExporter: PushMetricExporter = {
    export(resourceMetrics, done) {
      metricExports++;
      metricNames = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name));
      done({ code: 0 });
    },
    shutdown: async () => undefined,
    forceFlush: async () => undefined,
  };

  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spanExporter)] });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS,
        exportTimeoutMillis: METRIC_EXPORT_INTERVAL_MS,
      }),
    ],
  });
  const registered = [
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()),
    trace.setGlobalTracerProvider(tracerProvider),
    metrics.setGlobalMeterProvider(meterProvider),
  ];
  if (!registered.every(Boolean)) {
    throw new Error('bench app: an OpenTelemetry global was already registered');
  }

  const counts = (): SdkCounts => ({ spans, spansByName: Object.fromEntries(spansByName), metricExports, metricNames: [...metricNames] });
  return {
    async flush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
      return counts();
    },
    counts,
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
