import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WazapinDelivery } from '../../api/interfaces/wazapin-delivery.interface.js';
import { isKnownWazapinEventType } from '../../events/wazapin-event-type.js';
import { sampleWazapinPayload } from '../sample-wazapin-payload.js';
import type { EmulatorDeliverer } from './emulator-deliverer.js';
import { EmulatorHttpError } from './emulator-http-error.js';
import { decodeSegment, readJson } from './emulator-request.js';
import type { EmulatorMessage, EmulatorState } from './emulator-state.js';
import type { EmulatorStream } from './emulator-stream.js';
import { WAZAPIN_EMULATOR_FAULTS, type WazapinEmulatorFault } from './wazapin-emulator-options.interface.js';

/** Where the emulator's own routes live, beside the platform's API. */
export const EMULATOR_CONTROL_PATH = '/v1/emulator';

/** What the control API reports and how it publishes. */
export interface EmulatorControlSettings {
  apiKey: string;
  eventTypes: readonly string[];
  headers: 'svix' | 'webhook';
  body: 'flat' | 'envelope';
  schedule: readonly number[];
  deliveryTimeoutMs: number;
  dashboardUrl: () => string;
  /** Publishes as `WazapinEmulator.publish` does. */
  publish: (eventType: string, payload: object, fault: WazapinEmulatorFault | undefined) => { messageId: string; endpointIds: string[] };
}

type Params = { id: string; body: unknown };

/**
 * The emulator's own JSON API, under `/v1/emulator`: what a dashboard needs beyond the platform's
 * API (secrets, attempts' exact requests, publishing, a live stream). It takes the API key but is
 * not the platform: it is not recorded in `requests`, and no injected API fault or rate limit hits it.
 */
export class EmulatorControlApi {
  private readonly routes: Record<string, (params: Params) => { status: number; body: unknown }> = {
    'GET ': () => this.describe(),
    'GET endpoints': () => ({ status: 200, body: { data: this.state.endpointsWithSecrets() } }),
    'POST publish': ({ body }) => this.publish(body),
    'POST messages/:id/copy': ({ id, body }) => this.copy(id, body),
    'GET attempts/:id': ({ id }) => this.attempt(id),
  };

  constructor(
    private readonly state: EmulatorState,
    private readonly deliverer: EmulatorDeliverer,
    private readonly stream: EmulatorStream,
    private readonly settings: EmulatorControlSettings,
  ) {}

  /** True for the paths this API answers. */
  static serves(pathname: string): boolean {
    return pathname === EMULATOR_CONTROL_PATH || pathname.startsWith(`${EMULATOR_CONTROL_PATH}/`);
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let status: number;
    let body: unknown;
    try {
      if (request.headers.authorization !== `Bearer ${this.settings.apiKey}`) {
        throw new EmulatorHttpError(401, 'unauthorized', 'Missing or invalid API key');
      }
      const url = new URL(request.url ?? '/', 'http://emulator');
      const segments = url.pathname.slice(EMULATOR_CONTROL_PATH.length).split('/').filter((segment) => segment !== '');
      if (request.method === 'GET' && segments.length === 1 && segments[0] === 'stream') {
        this.stream.open(response);
        return;
      }
      const input = await readJson(request);
      ({ status, body } = this.route(request.method ?? 'GET', segments, input));
    } catch (error) {
      const failure = error instanceof EmulatorHttpError ? error : new EmulatorHttpError(500, 'internal_error', String(error));
      status = failure.status;
      body = failure.toBody();
    }
    if (!response.destroyed) {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    }
  }

  private route(method: string, segments: string[], body: unknown): { status: number; body: unknown } {
    // The second segment of every parameterised route is the id.
    const id = segments.length >= 2 ? decodeSegment(segments[1]) : '';
    const shape = segments.map((segment, index) => (index === 1 ? ':id' : segment)).join('/');
    const operation = this.routes[`${method} ${shape}`];
    if (!operation) {
      const allowed = shape === 'stream' || Object.keys(this.routes).some((key) => key.endsWith(` ${shape}`));
      throw allowed
        ? new EmulatorHttpError(405, 'method_not_allowed', `${method} is not allowed here`)
        : new EmulatorHttpError(404, 'not_found', 'No such route');
    }
    return operation({ id, body });
  }

  private describe(): { status: number; body: unknown } {
    const settings = this.settings;
    return {
      status: 200,
      body: {
        data: {
          event_types: settings.eventTypes.map((type) => ({ type, sample: isKnownWazapinEventType(type) ? sampleWazapinPayload(type) : {} })),
          faults: WAZAPIN_EMULATOR_FAULTS,
          header_family: settings.headers,
          body: settings.body,
          retry_schedule_ms: settings.schedule,
          delivery_timeout_ms: settings.deliveryTimeoutMs,
          dashboard_url: settings.dashboardUrl(),
        },
      },
    };
  }

  private publish(body: unknown): { status: number; body: unknown } {
    const input = object(body);
    const fields: Record<string, string[]> = {};
    if (typeof input.event_type !== 'string' || !this.settings.eventTypes.includes(input.event_type)) {
      fields.event_type = [`event_type must be one of the emulator's event types: ${this.settings.eventTypes.join(', ')}`];
    }
    const payload = input.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      fields.payload = ['payload must be a JSON object'];
    }
    const fault = input.fault;
    if (fault !== undefined && !(WAZAPIN_EMULATOR_FAULTS as readonly unknown[]).includes(fault)) {
      fields.fault = [`fault must be one of ${WAZAPIN_EMULATOR_FAULTS.join(', ')}`];
    }
    if (Object.keys(fields).length > 0) {
      throw new EmulatorHttpError(422, 'validation_error', 'The request is invalid', fields);
    }
    const published = this.settings.publish(input.event_type as string, payload as object, fault as WazapinEmulatorFault | undefined);
    return { status: 202, body: { data: { message_id: published.messageId, endpoint_ids: published.endpointIds } } };
  }

  private copy(messageId: string, body: unknown): { status: number; body: unknown } {
    const message = this.message(messageId);
    const endpointId = object(body).endpoint_id;
    if (endpointId !== undefined && typeof endpointId !== 'string') {
      throw new EmulatorHttpError(422, 'validation_error', 'The request is invalid', { endpoint_id: ['endpoint_id must be a string'] });
    }
    if (endpointId !== undefined && !message.endpointIds.includes(endpointId)) {
      throw new EmulatorHttpError(404, 'not_found', 'The delivery was not sent to that endpoint');
    }
    const targets = (endpointId === undefined ? message.endpointIds : [endpointId]).filter((id) => {
      const endpoint = this.state.endpoint(id);
      return endpoint !== undefined && !endpoint.disabled;
    });
    const copy = this.deliverer.copy(message, targets);
    return { status: 202, body: { data: { message_id: copy.id, endpoint_ids: targets } } };
  }

  private attempt(attemptId: string): { status: number; body: unknown } {
    const attempt = this.state.attempt(attemptId);
    if (!attempt) {
      throw new EmulatorHttpError(404, 'not_found', 'No such attempt');
    }
    const message = this.message(attempt.message_id);
    const exchange = this.state.exchange(attempt.id);
    const request = exchange?.request ?? null;
    return {
      status: 200,
      body: {
        data: {
          attempt,
          message: { id: message.id, event_type: message.eventType, endpoint_ids: message.endpointIds },
          fault: exchange?.fault ?? null,
          request,
          signature: request && exchange ? this.signature(request.headers, exchange.signedWith) : null,
          response: exchange && attempt.status !== 'sending' ? this.answer(attempt, exchange.responseHeaders) : null,
        },
      },
    };
  }

  /** What the endpoint answered to a finished attempt. */
  private answer(attempt: WazapinDelivery, headers: Record<string, string> | null): unknown {
    return { status: attempt.response_status_code ?? null, headers, body: attempt.response ?? '', duration_ms: attempt.response_duration_ms ?? null };
  }

  /** The signature header of a sent request, decoded into its entries. */
  private signature(headers: Record<string, string>, signedWith: { secret: 'current' | 'previous'; suffix: string }[]): unknown {
    const prefix = this.settings.headers;
    const timestamp = Number(headers[`${prefix}-timestamp`]);
    return {
      header: `${prefix}-signature`,
      id: headers[`${prefix}-id`],
      timestamp,
      signed_at: new Date(timestamp * 1000).toISOString(),
      entries: headers[`${prefix}-signature`].split(' ').map((entry, index) => {
        const [version, signature] = entry.split(',');
        return { version, signature, secret: signedWith[index]?.secret, secret_suffix: signedWith[index]?.suffix };
      }),
    };
  }

  private message(id: string): EmulatorMessage {
    const message = this.state.message(id);
    if (!message) {
      throw new EmulatorHttpError(404, 'not_found', 'No such message');
    }
    return message;
  }
}

/** A JSON body as an object of fields: none is `{}`, anything but an object answers 422. */
function object(body: unknown): Record<string, unknown> {
  if (body === undefined) {
    return {};
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new EmulatorHttpError(422, 'validation_error', 'The request is invalid', { body: ['the body must be a JSON object'] });
  }
  return body as Record<string, unknown>;
}
