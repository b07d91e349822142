import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WazapinDelivery } from '../../api/interfaces/wazapin-delivery.interface.js';
import type { WazapinMessage } from '../../api/interfaces/wazapin-message.interface.js';
import { WAZAPIN_MESSAGE_EVENT_TYPES } from '../../events/message-fetch.js';
import { WAZAPIN_EVENT_TYPES } from '../../events/wazapin-event-type.js';
import { WAZAPIN_WEBHOOKS_API_PATH } from '../../api/wazapin-api.constants.js';
import { EmulatorApi } from './emulator-api.js';
import { EmulatorControlApi } from './emulator-control-api.js';
import { EmulatorStream } from './emulator-stream.js';
import type { WazapinEmulatorEndpoint } from './wazapin-emulator-endpoint.interface.js';
import { EmulatorDeliverer } from './emulator-deliverer.js';
import { EmulatorState } from './emulator-state.js';
import { WAZAPIN_EMULATOR_FAULTS } from './wazapin-emulator-options.interface.js';
import { WAZAPIN_RETRY_SCHEDULE_MS, WAZAPIN_SECRET_GRACE_PERIOD_MS } from './wazapin-retry-schedule.js';
import type {
  WazapinEmulatorDeliveryFilter,
  WazapinEmulatorOptions,
  WazapinEmulatorRequest,
  WazapinPublishOptions,
  WazapinPublishResult,
  WazapinRequestFailure,
} from './wazapin-emulator-options.interface.js';

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`WazapinEmulator: ${name} must be a non-negative number, got ${value}`);
  }
  return value;
}

/**
 * A local, in-memory Wazapin: the webhooks management API on a real HTTP server on loopback,
 * and a deliverer that signs and POSTs events to the endpoints created through it, retrying
 * on the platform's schedule (scaled to test speed). For tests and local development.
 *
 * @example
 * ```ts
 * const emulator = await WazapinEmulator.start({ retryScale: 0.0001 });
 * // point the app's `api.baseUrl` at emulator.baseUrl and `api.apiKey` at emulator.apiKey
 * await emulator.publish('message.new', { message_id: 'm1', conversation_id: 'c1', direction: 'inbound' });
 * await emulator.settled();
 * await emulator.close();
 * ```
 *
 * @publicApi
 */
export class WazapinEmulator {
  private constructor(
    private readonly server: Server,
    private readonly state: EmulatorState,
    private readonly api: EmulatorApi,
    private readonly deliverer: EmulatorDeliverer,
    private readonly stream: EmulatorStream,
    private readonly options: { apiKey: string; body: 'flat' | 'envelope' },
  ) {}

  /** Starts an emulator on 127.0.0.1. Close it with {@link close}. */
  static async start(options: WazapinEmulatorOptions = {}): Promise<WazapinEmulator> {
    const apiKey = options.apiKey ?? `wzp_test_${randomBytes(18).toString('base64url')}`;
    const scale = nonNegative('retryScale', options.retryScale ?? 1);
    const schedule = (options.retrySchedule ?? WAZAPIN_RETRY_SCHEDULE_MS).map((ms) => nonNegative('retrySchedule', ms) * scale);
    if (schedule.length === 0) {
      throw new RangeError('WazapinEmulator: retrySchedule needs at least one attempt');
    }
    const body = options.body ?? 'flat';
    const state = new EmulatorState();
    const timeoutMs = nonNegative('deliveryTimeoutMs', options.deliveryTimeoutMs ?? 15_000);
    const headers = options.headers ?? 'svix';
    const eventTypes = options.eventTypes ?? WAZAPIN_EVENT_TYPES;
    const deliverer = new EmulatorDeliverer(state, { schedule, timeoutMs, headers, eventTypeHeader: options.eventTypeHeader });
    const api = new EmulatorApi(state, deliverer, {
      apiKey,
      organizationSlug: options.organizationSlug,
      secretGracePeriodMs: nonNegative('secretGracePeriodMs', options.secretGracePeriodMs ?? WAZAPIN_SECRET_GRACE_PERIOD_MS),
      body,
      eventTypes,
      pagination: options.pagination ?? 'next_cursor',
      defaultPageSize: options.defaultPageSize ?? 50,
      rateLimit: options.rateLimit,
    });
    const stream = new EmulatorStream(state);
    // The control API needs the emulator (to publish as it does), which needs the server: bound once both exist.
    let emulator: WazapinEmulator | undefined;
    const control = new EmulatorControlApi(state, deliverer, stream, {
      apiKey,
      eventTypes,
      headers,
      body,
      schedule,
      deliveryTimeoutMs: timeoutMs,
      dashboardUrl: () => emulator!.dashboardUrl,
      publish: (eventType, payload, fault) => emulator!.publish(eventType, payload, { fault }),
    });
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://emulator').pathname;
      void (EmulatorControlApi.serves(path) ? control.handle(request, response) : api.handle(request, response));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    emulator = new WazapinEmulator(server, state, api, deliverer, stream, { apiKey, body });
    return emulator;
  }

  /** Base URL of the API, e.g. `http://127.0.0.1:41234`: the service's `api.baseUrl`. */
  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Full URL of the webhooks settings resource, for raw HTTP calls. */
  get webhooksUrl(): string {
    return `${this.baseUrl}${WAZAPIN_WEBHOOKS_API_PATH}`;
  }

  /**
   * The address of the emulator's control API and live stream with the API key in the URL's
   * fragment, which browsers never send: `${baseUrl}/#key=…`.
   */
  get dashboardUrl(): string {
    return `${this.baseUrl}/#key=${encodeURIComponent(this.apiKey)}`;
  }

  /** The API key requests must carry. */
  get apiKey(): string {
    return this.options.apiKey;
  }

  /**
   * Publishes an event, as if it happened on the platform: a signed delivery to every enabled
   * endpoint whose filter lets `eventType` through, retried on the schedule until it succeeds.
   * A `message.new` or `message.sent` also makes its message readable at
   * `GET /v1/messages/{message_id}` (see `options.message`). Returns at once; await
   * {@link settled} to wait for the deliveries.
   */
  publish(eventType: string, payload: object, options: WazapinPublishOptions = {}): WazapinPublishResult {
    const chatMessage = publishedMessage(eventType, payload, options.message);
    if (chatMessage) {
      this.state.addChatMessage(chatMessage);
    }
    if (options.fault !== undefined && !WAZAPIN_EMULATOR_FAULTS.includes(options.fault)) {
      throw new RangeError(`WazapinEmulator: fault must be one of ${WAZAPIN_EMULATOR_FAULTS.join(', ')}, got ${String(options.fault)}`);
    }
    const endpointIds = this.state.subscribers(eventType).map((endpoint) => endpoint.id);
    const message = this.deliverer.publish(eventType, payload, endpointIds, options.body ?? this.options.body, { id: options.id, fault: options.fault });
    return { messageId: message.id, endpointIds };
  }

  /**
   * Resolves once no delivery attempt is scheduled or running. With the real schedule a failing
   * endpoint keeps this pending for about 28 h: use `retryScale` in tests.
   *
   * @param timeoutMs reject after this long instead of waiting forever. Default 30 s.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`WazapinEmulator: ${this.deliverer.inFlight} delivery attempt(s) still pending after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.deliverer.settled(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Endpoints, with their secrets. */
  endpoints(): WazapinEmulatorEndpoint[] {
    return this.state.endpointsWithSecrets();
  }

  /** Delivery attempts matching `filter`, newest first, as `listDeliveries` returns them. */
  deliveries(filter: WazapinEmulatorDeliveryFilter = {}): WazapinDelivery[] {
    return this.state.listAttempts(filter).map((attempt) => ({ ...attempt }));
  }

  /** Every API request answered so far (never the API key), oldest first. */
  get requests(): readonly WazapinEmulatorRequest[] {
    return this.api.requests;
  }

  /** The next `count` delivery attempts fail without being sent, as a network failure would. */
  failNextDeliveries(count: number): void {
    this.deliverer.faults.arm(count, { kind: 'fail' });
  }

  /**
   * The next `count` delivery attempts are signed, then held `ms` before being sent, so their
   * timestamp is that much older on arrival.
   */
  delayNextDeliveries(count: number, ms: number): void {
    this.deliverer.faults.arm(count, { kind: 'delay', ms: nonNegative('ms', ms) });
  }

  /**
   * The next `count` delivery attempts are sent twice with identical headers and body: one after
   * the other, or both at once with `concurrent`. Each send is recorded as an attempt.
   */
  duplicateNextDeliveries(count: number, options: { concurrent?: boolean } = {}): void {
    this.deliverer.faults.arm(count, { kind: 'duplicate', concurrent: options.concurrent ?? false });
  }

  /** The next `count` API requests answer `status` (default 503), with `Retry-After` when given. */
  failNextRequests(count: number, failure: WazapinRequestFailure = {}): void {
    this.api.faults.arm(count, { kind: 'fail', ...failure });
  }

  /** The next `count` API requests are answered `ms` late. */
  delayNextRequests(count: number, ms: number): void {
    this.api.faults.arm(count, { kind: 'delay', ms: nonNegative('ms', ms) });
  }

  /**
   * The next `count` API requests get no answer: the connection is dropped once the request is
   * read, or, with `afterProcessing`, once the emulator has acted on it (the answer is lost).
   */
  dropNextRequests(count: number, options: { afterProcessing?: boolean } = {}): void {
    this.api.faults.arm(count, { kind: 'drop', afterProcessing: options.afterProcessing ?? false });
  }

  /** Stops the server and cancels every scheduled or running delivery. */
  async close(): Promise<void> {
    this.deliverer.close();
    this.api.close();
    this.stream.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The message a published message event names, with the fields given over those of its payload. */
function publishedMessage(eventType: string, payload: object, fields: WazapinPublishOptions['message']): WazapinMessage | undefined {
  const fieldsOf = payload as Record<string, unknown>;
  const id = fieldsOf.message_id;
  if (!WAZAPIN_MESSAGE_EVENT_TYPES.has(eventType) || typeof id !== 'string' || id === '') {
    return undefined;
  }
  const text = (name: string) => (typeof fieldsOf[name] === 'string' ? (fieldsOf[name] as string) : undefined);
  return {
    conversation_id: text('conversation_id'),
    direction: text('direction'),
    msg_type: text('msg_type'),
    created_at: new Date().toISOString(),
    ...fields,
    id,
  };
}
