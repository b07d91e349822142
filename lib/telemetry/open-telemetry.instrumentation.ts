import { Logger } from '@nestjs/common';
import type { Attributes, Context, Counter, Histogram, ObservableGauge, ObservableResult, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import { WazapinHandlerTimeoutError } from '../events/wazapin-handler-timeout.error.js';
import type { SignedDelivery } from '../receiving/signed-delivery.interface.js';
import type { WazapinWebhookReceipt } from '../receiving/wazapin-webhook-receipt.interface.js';
import type { WebhookRequest } from '../receiving/webhook-request.interface.js';
import { errorMessage } from '../utils/error-message.js';
import { packageVersion } from '../utils/package-version.js';
import { answerWithin } from '../utils/answer-within.js';
import { isInstance } from '../utils/is-instance.js';
import { ThrottledLog } from '../utils/throttled-log.js';
import { BoundedEventTypes } from './bounded-event-types.js';
import { type DeliveryOutcome, errorOutcome, receiptOutcome } from './delivery-outcome.js';
import type { OpenTelemetryApi } from './load-opentelemetry.js';
import { fromCarrier, toCarrier } from './trace-parent.js';
import type { HandlerTrace, ReceiveTrace, TelemetryGaugeReadings, TraceCarrier, WazapinTelemetry } from './wazapin-telemetry.interface.js';

/** The name of the package's tracer and meter. */
export const INSTRUMENTATION_NAME = 'nestjs-wazapin-webhooks';
/** Longest delivery id a span of a rejected request keeps: the header is the sender's to fill. */
const MAX_REJECTED_ID_LENGTH = 128;
/** Longest a gauge waits for its reading, so a hung Redis delays no collection for long. */
const GAUGE_READ_TIMEOUT_MS = 1000;

/** The id a rejected request's headers name, as sent, bounded. */
function claimedId(request: WebhookRequest): string | undefined {
  const header = request.headers['svix-id'] || request.headers['webhook-id'];
  const id = typeof header === 'string' ? header : header?.[0];
  return id === undefined ? undefined : id.slice(0, MAX_REJECTED_ID_LENGTH);
}

/** How often a failing SDK is said in the log, at most. */
const SDK_FAILURE_LOG_INTERVAL_MS = 60_000;

/** Reads `read` within the gauge timeout; `undefined` when it fails or is late. */
function reading(read: () => Promise<number>): Promise<number | undefined> {
  return answerWithin(read(), GAUGE_READ_TIMEOUT_MS).catch(() => undefined);
}

/**
 * Telemetry through the OpenTelemetry API: spans `wazapin.webhook.receive` and `wazapin.handler
 * {name}`, and the `wazapin.webhook.*` metrics, for one registration. Whatever SDK the app
 * registered records them; with none, each call is the API's no-op.
 */
export class OpenTelemetryInstrumentation implements WazapinTelemetry {
  readonly tracer: Tracer;
  readonly deliveries: Counter;
  readonly handlerDuration: Histogram;
  readonly delay: Histogram;
  private readonly queueWaiting: ObservableGauge;
  private readonly deadLetters: ObservableGauge;
  readonly types = new BoundedEventTypes();
  /** Whether the app registered a meter provider before the module booted: metrics bind to it then. */
  private readonly metered: boolean;
  /** The API's tracer provider of no SDK: while it is the global one, nothing is traced. */
  private readonly noTracing: TracerProvider;
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly sdkFailures = new ThrottledLog(SDK_FAILURE_LOG_INTERVAL_MS);

  constructor(
    readonly api: OpenTelemetryApi,
    readonly account: string,
  ) {
    const version = packageVersion();
    this.tracer = api.trace.getTracer(INSTRUMENTATION_NAME, version);
    const meter = api.metrics.getMeter(INSTRUMENTATION_NAME, version);
    this.metered = Object.getPrototypeOf(meter) !== Object.getPrototypeOf(api.createNoopMeter());
    this.noTracing = new api.ProxyTracerProvider().getDelegate();
    this.deliveries = meter.createCounter('wazapin.webhook.deliveries', {
      unit: '{delivery}',
      description: 'Requests to the webhook route, by outcome, event type and account',
    });
    this.handlerDuration = meter.createHistogram('wazapin.webhook.handler.duration', {
      unit: 'ms',
      description: 'How long each handler run took, by handler, event type and outcome',
    });
    this.delay = meter.createHistogram('wazapin.webhook.delay', {
      unit: 'ms',
      description: "When the module received a delivery, less the delivery's webhook-timestamp",
    });
    this.queueWaiting = meter.createObservableGauge('wazapin.webhook.queue.waiting', {
      unit: '{job}',
      description: "Deliveries waiting in the registration's queue (dispatch: 'queue')",
    });
    this.deadLetters = meter.createObservableGauge('wazapin.webhook.dead_letters', {
      unit: '{delivery}',
      description: "The registration's dead letters",
    });
  }

  receiving(request: WebhookRequest): ReceiveTrace | undefined {
    if (!this.recording()) {
      return undefined;
    }
    const { api } = this;
    const parent = api.context.active();
    const span = this.guarded(() =>
      this.tracer.startSpan(
        'wazapin.webhook.receive',
        {
          kind: api.trace.getSpan(parent) ? api.SpanKind.INTERNAL : api.SpanKind.SERVER,
          attributes: { 'wazapin.account': this.account },
        },
        parent,
      ),
    );
    return span && new OpenTelemetryReceiveTrace(this, span, this.contextOf(parent, span), request);
  }

  handling(handler: string, event: WazapinEvent, attempt: number): HandlerTrace | undefined {
    if (!this.recording()) {
      return undefined;
    }
    const { api } = this;
    const parent = api.context.active();
    const attributes: Attributes = {
      'wazapin.handler': handler,
      'wazapin.delivery_id': event.id,
      'wazapin.event_type': event.type,
      'wazapin.account': this.account,
      'wazapin.attempt': attempt,
    };
    const span = this.guarded(() => this.tracer.startSpan(`wazapin.handler ${handler}`, { kind: api.SpanKind.INTERNAL, attributes }, parent));
    return span && new OpenTelemetryHandlerTrace(this, span, this.contextOf(parent, span), handler, event.type);
  }

  /**
   * Whether an SDK records anything: metrics, or traces (a tracer provider may be registered
   * after boot, and the API's tracers follow it). Without one the receiving path skips the
   * instrumentation whole, as without the API.
   */
  private recording(): boolean {
    if (this.metered) {
      return true;
    }
    const provider = this.api.trace.getTracerProvider();
    return (provider instanceof this.api.ProxyTracerProvider ? provider.getDelegate() : provider) !== this.noTracing;
  }

  /**
   * What `report` returns, or `undefined` when it throws: a span processor or metric reader of
   * the app's that throws must change nothing of what the platform is answered or the handlers do.
   * Said in the log at most once a minute.
   */
  guarded<T>(report: () => T): T | undefined {
    try {
      return report();
    } catch (error) {
      this.sdkFailures.write((suppressed) =>
        this.logger.warn(
          `The app's OpenTelemetry SDK threw while recording a span or metric, which is dropped: ${errorMessage(error)}` +
            (suppressed > 0 ? ` (${suppressed} more since the last such warning)` : ''),
        ),
      );
      return undefined;
    }
  }

  /**
   * The context with `span` active, for what runs in it; `undefined` when the span is the API's
   * no-op (no SDK traces), so nothing is wrapped and the metrics alone are recorded.
   */
  private contextOf(parent: Context, span: Span): Context | undefined {
    return this.guarded(() => (this.api.trace.isSpanContextValid(span.spanContext()) ? this.api.trace.setSpan(parent, span) : undefined));
  }

  /** Runs `work` in `context`, when there is one. */
  within<T>(context: Context | undefined, work: () => T): T {
    return context ? this.api.context.with(context, work) : work();
  }

  carrier(): TraceCarrier | undefined {
    const span = this.api.trace.getSpan(this.api.context.active());
    const context = span?.spanContext();
    return context && this.api.trace.isSpanContextValid(context) ? toCarrier(context) : undefined;
  }

  continuing<T>(carrier: TraceCarrier, work: () => T): T {
    const remote = fromCarrier(this.api, carrier);
    return remote ? this.api.context.with(this.api.trace.setSpanContext(this.api.ROOT_CONTEXT, remote), work) : work();
  }

  observe({ queueWaiting, deadLetters }: TelemetryGaugeReadings): () => void {
    const attributes = { account: this.account };
    const observer = (read: () => Promise<number>) => async (result: ObservableResult) => {
      const value = await reading(read);
      if (value !== undefined) {
        result.observe(value, attributes);
      }
    };
    const observed: [ObservableGauge, (result: ObservableResult) => Promise<void>][] = [];
    if (queueWaiting) {
      observed.push([this.queueWaiting, observer(queueWaiting)]);
    }
    if (deadLetters) {
      observed.push([this.deadLetters, observer(deadLetters)]);
    }
    this.guarded(() => observed.forEach(([gauge, callback]) => gauge.addCallback(callback)));
    return () => this.guarded(() => observed.forEach(([gauge, callback]) => gauge.removeCallback(callback)));
  }
}

class OpenTelemetryReceiveTrace implements ReceiveTrace {
  /** The event type as metrics report it: `unknown` until the delivery is verified. */
  private eventType = 'unknown';
  /** Received time less the delivery's timestamp, once verified. */
  private delayMs?: number;
  /** The verified delivery and its type, once known: set on the span with the outcome, in one call. */
  private delivery?: SignedDelivery;
  private type?: string;
  private ended = false;

  constructor(
    private readonly telemetry: OpenTelemetryInstrumentation,
    private readonly span: Span,
    private readonly context: Context | undefined,
    private readonly request: WebhookRequest,
  ) {}

  within<T>(work: () => T): T {
    return this.telemetry.within(this.context, work);
  }

  verified(delivery: SignedDelivery): void {
    this.delayMs = Math.max(0, Date.now() - delivery.timestamp.getTime());
    this.delivery = delivery;
  }

  typed(type: string): void {
    this.type = type;
    this.eventType = this.telemetry.types.of(type);
  }

  answered(receipt: WazapinWebhookReceipt): void {
    this.end({ outcome: receiptOutcome(receipt) }, 200);
  }

  failed(error: unknown): void {
    const { status, ...outcome } = errorOutcome(error);
    this.end(outcome, status, error);
  }

  private end({ outcome, rejection }: DeliveryOutcome, status: number, error?: unknown): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    const { span, telemetry } = this;
    const attributes: Attributes = { 'wazapin.outcome': outcome, 'http.response.status_code': status };
    const { delivery, type } = this;
    const id = delivery ? delivery.id : claimedId(this.request);
    if (id !== undefined) {
      attributes['wazapin.delivery_id'] = id;
    }
    if (type !== undefined) {
      attributes['wazapin.event_type'] = type;
    }
    if (delivery?.tenant !== undefined) {
      attributes['wazapin.tenant'] = delivery.tenant;
    }
    const counted: Attributes = { outcome, event_type: this.eventType, account: telemetry.account };
    if (rejection !== undefined) {
      attributes['wazapin.rejection'] = rejection;
      counted.rejection = rejection;
    }
    telemetry.guarded(() => {
      span.setAttributes(attributes);
      if (status >= 500) {
        span.setStatus({ code: telemetry.api.SpanStatusCode.ERROR, message: error === undefined ? `HTTP ${status}` : errorMessage(error) });
      }
      span.end();
    });
    telemetry.guarded(() => telemetry.deliveries.add(1, counted));
    if (this.delayMs !== undefined) {
      const delayMs = this.delayMs;
      telemetry.guarded(() => telemetry.delay.record(delayMs, { event_type: this.eventType, account: telemetry.account }));
    }
  }
}

/** A handler run's outcome, as the duration histogram reports it. */
type HandlerOutcome = 'success' | 'error' | 'timeout';

class OpenTelemetryHandlerTrace implements HandlerTrace {
  private readonly started = performance.now();

  constructor(
    private readonly telemetry: OpenTelemetryInstrumentation,
    private readonly span: Span,
    private readonly context: Context | undefined,
    private readonly handler: string,
    private readonly type: string,
  ) {}

  within<T>(work: () => T): T {
    return this.telemetry.within(this.context, work);
  }

  succeeded(): void {
    this.end('success');
  }

  failed(error: unknown): void {
    const { span, telemetry } = this;
    const message = errorMessage(error);
    telemetry.guarded(() => {
      try {
        span.recordException(error instanceof Error ? error : message);
      } catch {
        // An Error whose properties throw when read (a Proxy, a getter) is recorded by its message.
        span.recordException(message);
      }
      span.setStatus({ code: telemetry.api.SpanStatusCode.ERROR, message });
    });
    this.end(isInstance(error, WazapinHandlerTimeoutError) ? 'timeout' : 'error');
  }

  private end(outcome: HandlerOutcome): void {
    const { telemetry } = this;
    telemetry.guarded(() => this.span.end());
    telemetry.guarded(() =>
      telemetry.handlerDuration.record(performance.now() - this.started, {
        handler: this.handler,
        event_type: telemetry.types.of(this.type),
        account: telemetry.account,
        outcome,
      }),
    );
  }
}
