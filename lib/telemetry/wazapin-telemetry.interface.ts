import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { SignedDelivery } from '../receiving/signed-delivery.interface.js';
import type { WazapinWebhookReceipt } from '../receiving/wazapin-webhook-receipt.interface.js';
import type { WebhookRequest } from '../receiving/webhook-request.interface.js';

/** One request to the webhook route, traced from the first check to the answer. */
export interface ReceiveTrace {
  /** Runs `work` in the request's trace, so what it starts (handlers, a queued job) is part of it. */
  within<T>(work: () => T): T;
  /** The request is a delivery whose signature is verified, received now. */
  verified(delivery: SignedDelivery): void;
  /** Its event type is resolved: `type`. */
  typed(type: string): void;
  /** Answered with `receipt`. */
  answered(receipt: WazapinWebhookReceipt): void;
  /** Answered as `error` answers (see `errorOutcome`). */
  failed(error: unknown): void;
}

/** One run of one handler. */
export interface HandlerTrace {
  /** Runs `work` in the run's trace, so what the handler does is part of it. */
  within<T>(work: () => T): T;
  succeeded(): void;
  failed(error: unknown): void;
}

/** The trace a queued delivery was received in, as its job carries it (W3C Trace Context). */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** What a gauge reads when metrics are collected. */
export interface TelemetryGaugeReadings {
  /** The queue's waiting jobs, in `dispatch: 'queue'`. */
  queueWaiting?: () => Promise<number>;
  /** The registration's dead letters, in `background` and `queue`. */
  deadLetters?: () => Promise<number>;
}

/**
 * Where the receiving path and the handlers report, to OpenTelemetry when the app has
 * `@opentelemetry/api`, to nothing when it has not: then every method returns `undefined` or
 * does nothing, and the callers skip the rest.
 */
export interface WazapinTelemetry {
  receiving(request: WebhookRequest): ReceiveTrace | undefined;
  /** A run of `handler` on `event`, the `attempt`-th (from 1). */
  handling(handler: string, event: WazapinEvent, attempt: number): HandlerTrace | undefined;
  /** The active trace, for a job to carry; `undefined` when there is none. */
  carrier(): TraceCarrier | undefined;
  /** Runs `work` in the trace `carrier` holds. */
  continuing<T>(carrier: TraceCarrier, work: () => T): T;
  /** Reports the gauges from `readings` until the returned function is called. */
  observe(readings: TelemetryGaugeReadings): () => void;
}

/** The telemetry of an app without `@opentelemetry/api`. */
export const NO_TELEMETRY: WazapinTelemetry = {
  receiving: () => undefined,
  handling: () => undefined,
  carrier: () => undefined,
  continuing: (_carrier, work) => work(),
  observe: () => () => undefined,
};
