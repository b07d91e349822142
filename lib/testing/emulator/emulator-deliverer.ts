import { setTimeout as sleep } from 'node:timers/promises';
import type { WazapinDelivery, WazapinDeliveryTrigger } from '../../api/interfaces/wazapin-delivery.interface.js';
import { describeNetworkError } from '../../api/http/network-error.js';
import { signWazapinDelivery } from '../sign-wazapin-delivery.js';
import { emulatorId } from './emulator-ids.js';
import type { AttemptExchange, EmulatorEndpoint, EmulatorMessage, EmulatorState } from './emulator-state.js';
import type { WazapinEmulatorFault } from './wazapin-emulator-options.interface.js';
import { FaultQueue } from './fault-queue.js';
import { DeliveryTimeoutError, postDelivery } from './post-delivery.js';

/**
 * A delivery fault: armed by the emulator's `failNext/delayNext/duplicateNextDeliveries` for the
 * next attempts, or published with a message for its first attempts.
 */
export type DeliveryFault =
  | { kind: 'fail' }
  | { kind: 'delay'; ms: number }
  | { kind: 'duplicate'; concurrent: boolean }
  | { kind: 'published'; fault: WazapinEmulatorFault };

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
  headers?: Record<string, string>;
}

/** How each published fault ends an attempt, and whether the request is sent first. */
const PUBLISHED_FAULTS: Record<WazapinEmulatorFault, { sends: boolean; outcome: SendOutcome }> = {
  timeout: { sends: true, outcome: { ok: false, statusCode: null, response: 'Injected fault: timeout (the endpoint was called; its answer was ignored)' } },
  'http-500': { sends: false, outcome: { ok: false, statusCode: 500, response: 'Injected fault: 500 (answered by the emulator; the endpoint was not called)' } },
  drop: { sends: false, outcome: { ok: false, statusCode: null, response: 'Injected fault: drop (the connection broke; the endpoint was not called)' } },
};

/** False when `fault` keeps the request from being sent. */
function sends(fault: DeliveryFault | undefined): boolean {
  return fault?.kind === 'fail' ? false : fault?.kind === 'published' ? PUBLISHED_FAULTS[fault.fault].sends : true;
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
  publish(
    eventType: string,
    payload: object,
    endpointIds: string[],
    body: 'flat' | 'envelope',
    options: { id?: string; fault?: WazapinEmulatorFault } = {},
  ): EmulatorMessage {
    const json = JSON.stringify(body === 'envelope' ? { event_id: emulatorId('evt'), event_type: eventType, data: payload } : payload);
    return this.send(eventType, json, endpointIds, options);
  }

  /** Sends the event type and exact body of `message` again, as a new message to `endpointIds`. */
  copy(message: EmulatorMessage, endpointIds: string[]): EmulatorMessage {
    return this.send(message.eventType, message.body, endpointIds, {});
  }

  private send(eventType: string, body: string, endpointIds: string[], options: { id?: string; fault?: WazapinEmulatorFault }): EmulatorMessage {
    const message: EmulatorMessage = { id: options.id ?? emulatorId('msg'), eventType, body, endpointIds };
    const fault = options.fault;
    if (fault) {
      message.firstAttemptFaults = new Map(endpointIds.map((endpointId) => [endpointId, fault]));
    }
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
    const secrets = this.state.signingSecrets(endpoint);
    const signed = signWazapinDelivery({
      secrets,
      body: message.body,
      id: message.id,
      headers: this.settings.headers,
    });
    const headers: Record<string, string> = { ...signed.headers, 'user-agent': 'Wazapin-Emulator/1.0' };
    if (this.settings.eventTypeHeader) {
      headers[this.settings.eventTypeHeader.toLowerCase()] = message.eventType;
    }
    const fault = this.takeFault(message, endpointId);
    const once = (): Promise<RecordedOutcome> => this.sendRecorded(message, endpoint, trigger, { headers, body: signed.body, secrets }, fault);
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
      this.state.changed({ kind: 'attempt', attempt: first.record });
      this.schedule(message, endpointId, trigger, next);
    }
  }

  /** The fault this message was published with for its first attempt to the endpoint, else the next armed one. */
  private takeFault(message: EmulatorMessage, endpointId: string): DeliveryFault | undefined {
    const published = message.firstAttemptFaults?.get(endpointId);
    if (published) {
      message.firstAttemptFaults?.delete(endpointId);
      return { kind: 'published', fault: published };
    }
    return this.faults.take();
  }

  /** Sends once and records the attempt. */
  private async sendRecorded(
    message: EmulatorMessage,
    endpoint: EmulatorEndpoint,
    trigger: WazapinDeliveryTrigger,
    { headers, body, secrets }: { headers: Record<string, string>; body: string; secrets: readonly string[] },
    fault: DeliveryFault | undefined,
  ): Promise<RecordedOutcome> {
    const record = this.state.startAttempt(message, endpoint, trigger);
    // Recorded before sending, so the attempt can be opened while it is still under way.
    const exchange: AttemptExchange = {
      fault: fault?.kind === 'published' ? fault.fault : null,
      request: sends(fault) ? { method: 'POST', url: endpoint.url, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body } : null,
      signedWith: signedWith(secrets, endpoint.secret),
      responseHeaders: null,
    };
    this.state.recordExchange(record.id, exchange);
    const started = Date.now();
    const outcome = await this.sendOnce(endpoint.url, headers, body, fault);
    record.response_duration_ms = Date.now() - started;
    record.status = outcome.ok ? 'success' : 'failed';
    record.response_status_code = outcome.statusCode;
    record.response = outcome.response;
    exchange.responseHeaders = outcome.headers ?? null;
    this.state.changed({ kind: 'attempt', attempt: record });
    return { ...outcome, record };
  }

  private async sendOnce(url: string, headers: Record<string, string>, body: string, fault: DeliveryFault | undefined): Promise<SendOutcome> {
    if (fault?.kind === 'fail') {
      return { ok: false, statusCode: null, response: 'Injected fault: the delivery was not sent' };
    }
    if (fault?.kind === 'published') {
      if (sends(fault)) {
        await this.post(url, headers, body);
      }
      return PUBLISHED_FAULTS[fault.fault].outcome;
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
      return { ok: answer.status >= 200 && answer.status < 300, statusCode: answer.status, response: answer.text, headers: answer.headers };
    } catch (error) {
      const reason = error instanceof DeliveryTimeoutError ? error.message : (describeNetworkError(error).code ?? String(error));
      return { ok: false, statusCode: null, response: `Could not deliver: ${reason}` };
    }
  }
}

/** Which secret made each signature entry: the header signs with `secrets` in order, the current one first. */
function signedWith(secrets: readonly string[], current: string): { secret: 'current' | 'previous'; suffix: string }[] {
  return secrets.map((secret) => ({ secret: secret === current ? 'current' : 'previous', suffix: secret.slice(-4) }));
}
