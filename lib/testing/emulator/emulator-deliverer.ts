import { setTimeout as sleep } from 'node:timers/promises';
import type { WazapinDelivery, WazapinDeliveryTrigger } from '../../api/interfaces/wazapin-delivery.interface.js';
import { describeNetworkError } from '../../api/http/network-error.js';
import { signWazapinDelivery } from '../sign-wazapin-delivery.js';
import { emulatorId } from './emulator-ids.js';
import type { EmulatorEndpoint, EmulatorMessage, EmulatorState } from './emulator-state.js';
import { FaultQueue } from './fault-queue.js';
import { DeliveryTimeoutError, postDelivery } from './post-delivery.js';

/** A delivery fault armed by the emulator's `failNext/delayNext/duplicateNextDeliveries`. */
export type DeliveryFault = { kind: 'fail' } | { kind: 'delay'; ms: number } | { kind: 'duplicate'; concurrent: boolean };

/** How the deliverer signs, sends and retries. */
export interface DelivererSettings {
  /** Delay before each attempt, already scaled; its length is the number of attempts. */
  schedule: readonly number[];
  timeoutMs: number;
  headers: 'svix' | 'webhook';
  eventTypeHeader?: string;
}

const MAX_RESPONSE_CHARS = 4096;

/** The outcome of sending one request. */
interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  response: string;
}

interface RecordedOutcome extends SendOutcome {
  record: WazapinDelivery;
}

/**
 * Delivers messages to endpoints as the platform does: signed POSTs, retried on the schedule
 * until one answers 2xx, every attempt recorded. Tracks scheduled and running attempts so
 * {@link settled} can wait for all of them.
 */
export class EmulatorDeliverer {
  readonly faults = new FaultQueue<DeliveryFault>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly closing = new AbortController();
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly state: EmulatorState,
    private readonly settings: DelivererSettings,
  ) {}

  /**
   * Records a new message of `eventType` and starts delivering it to each of `endpointIds`,
   * with a flat body (the payload) or an envelope (`{ event_id, event_type, data }`).
   */
  publish(eventType: string, payload: object, endpointIds: string[], body: 'flat' | 'envelope', id = emulatorId('msg')): EmulatorMessage {
    const message: EmulatorMessage = {
      id,
      eventType,
      body: JSON.stringify(body === 'envelope' ? { event_id: emulatorId('evt'), event_type: eventType, data: payload } : payload),
      endpointIds,
    };
    this.state.addMessage(message);
    endpointIds.forEach((endpointId) => this.deliver(message, endpointId, 'scheduled'));
    return message;
  }

  /** Starts delivering `message` to one endpoint: on the schedule, or once for a manual retry. */
  deliver(message: EmulatorMessage, endpointId: string, trigger: WazapinDeliveryTrigger): void {
    this.schedule(message, endpointId, trigger, 0);
  }

  /** Resolves once no attempt is scheduled or running. */
  settled(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Number of attempts scheduled or running. */
  get inFlight(): number {
    return this.pending;
  }

  /** Cancels scheduled attempts and aborts running ones. */
  close(): void {
    this.closing.abort();
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.pending = 0;
    this.release();
  }

  private schedule(message: EmulatorMessage, endpointId: string, trigger: WazapinDeliveryTrigger, step: number): void {
    if (this.closing.signal.aborted) {
      return;
    }
    this.pending += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(message, endpointId, trigger, step).finally(() => this.done());
    }, trigger === 'manual' ? 0 : this.settings.schedule[step]);
    this.timers.add(timer);
  }

  private done(): void {
    if (this.pending > 0) {
      this.pending -= 1;
    }
    if (this.pending === 0) {
      this.release();
    }
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private async attempt(message: EmulatorMessage, endpointId: string, trigger: WazapinDeliveryTrigger, step: number): Promise<void> {
    const endpoint = this.state.endpoint(endpointId);
    // Deleted or disabled since the event was published: the platform drops the delivery.
    if (!endpoint || endpoint.disabled) {
      return;
    }
    const signed = signWazapinDelivery({
      secrets: this.state.signingSecrets(endpoint),
      body: message.body,
      id: message.id,
      headers: this.settings.headers,
    });
    const headers: Record<string, string> = { ...signed.headers, 'user-agent': 'Wazapin-Emulator/1.0' };
    if (this.settings.eventTypeHeader) {
      headers[this.settings.eventTypeHeader.toLowerCase()] = message.eventType;
    }
    const fault = this.faults.take();
    const once = (): Promise<RecordedOutcome> => this.sendRecorded(message, endpoint, trigger, headers, signed.body, fault);
    let first: RecordedOutcome;
    if (fault?.kind === 'duplicate' && fault.concurrent) {
      [first] = await Promise.all([once(), once()]);
    } else {
      first = await once();
      if (fault?.kind === 'duplicate') {
        await once();
      }
    }
    const next = step + 1;
    if (!first.ok && trigger === 'scheduled' && next < this.settings.schedule.length) {
      first.record.next_attempt = new Date(Date.now() + this.settings.schedule[next]).toISOString();
      this.schedule(message, endpointId, trigger, next);
    }
  }

  /** Sends once and records the attempt. */
  private async sendRecorded(
    message: EmulatorMessage,
    endpoint: EmulatorEndpoint,
    trigger: WazapinDeliveryTrigger,
    headers: Record<string, string>,
    body: string,
    fault: DeliveryFault | undefined,
  ): Promise<RecordedOutcome> {
    const record = this.state.startAttempt(message, endpoint, trigger);
    const started = Date.now();
    const outcome = await this.send(endpoint.url, headers, body, fault);
    record.response_duration_ms = Date.now() - started;
    record.status = outcome.ok ? 'success' : 'failed';
    record.response_status_code = outcome.statusCode;
    record.response = outcome.response;
    return { ...outcome, record };
  }

  private async send(url: string, headers: Record<string, string>, body: string, fault: DeliveryFault | undefined): Promise<SendOutcome> {
    if (fault?.kind === 'fail') {
      return { ok: false, statusCode: null, response: 'Injected fault: the delivery was not sent' };
    }
    if (fault?.kind === 'delay') {
      // Signed before the delay, as a slow network would deliver it: the timestamp ages.
      await sleep(fault.ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
    return this.post(url, headers, body);
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    if (this.closing.signal.aborted) {
      return { ok: false, statusCode: null, response: 'Emulator closed' };
    }
    try {
      const answer = await postDelivery(url, headers, body, {
        timeoutMs: this.settings.timeoutMs,
        signal: this.closing.signal,
        maxChars: MAX_RESPONSE_CHARS,
      });
      // Anything but 2xx is a failure, redirects included.
      return { ok: answer.status >= 200 && answer.status < 300, statusCode: answer.status, response: answer.text };
    } catch (error) {
      const reason = error instanceof DeliveryTimeoutError ? error.message : (describeNetworkError(error).code ?? String(error));
      return { ok: false, statusCode: null, response: `Could not deliver: ${reason}` };
    }
  }
}
