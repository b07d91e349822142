import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateWazapinEndpointDto } from '../../api/dto/create-endpoint.dto.js';
import { ListWazapinDeliveriesQueryDto } from '../../api/dto/list-deliveries-query.dto.js';
import { SendWazapinTestDeliveryDto } from '../../api/dto/send-test-delivery.dto.js';
import { UpdateWazapinEndpointDto } from '../../api/dto/update-endpoint.dto.js';
import { RetryWazapinDeliveryDto } from '../../api/dto/retry-delivery.dto.js';
import { validateInput } from '../../api/dto/validate-input.js';
import type { WazapinEndpoint } from '../../api/interfaces/wazapin-endpoint.interface.js';
import { WAZAPIN_WEBHOOKS_API_PATH } from '../../api/wazapin-api.constants.js';
import { WazapinValidationError } from '../../api/wazapin-validation.error.js';
import type { EmulatorDeliverer } from './emulator-deliverer.js';
import { EmulatorHttpError } from './emulator-http-error.js';
import type { EmulatorEndpoint, EmulatorState } from './emulator-state.js';
import { FaultQueue } from './fault-queue.js';
import { decodeSegment, readJson } from './emulator-request.js';
import { sampleWazapinPayload } from '../sample-wazapin-payload.js';
import type { WazapinEmulatorPagination, WazapinEmulatorRequest, WazapinRequestFailure } from './wazapin-emulator-options.interface.js';

/** Where the API serves messages' content, beside the webhooks settings. */
const MESSAGES_PATH = '/v1/messages';
const MAX_PAGE_SIZE = 250;

/** An API fault armed by the emulator's `failNext/delayNext/dropNextRequests`. */
export type RequestFault =
  | ({ kind: 'fail' } & WazapinRequestFailure)
  | { kind: 'delay'; ms: number }
  | { kind: 'drop'; afterProcessing: boolean };

/** How the emulated API behaves. */
export interface EmulatorApiSettings {
  apiKey: string;
  organizationSlug?: string;
  secretGracePeriodMs: number;
  body: 'flat' | 'envelope';
  eventTypes: readonly string[];
  pagination: WazapinEmulatorPagination;
  defaultPageSize: number;
  rateLimit?: { limit: number; windowMs: number };
}

interface ApiResult {
  status: number;
  body?: unknown;
}

type Params = { id: string; body: unknown; query: URLSearchParams };
type Operation = (params: Params) => ApiResult;

/** The eight operations of the Wazapin webhooks API, and reading a message's content, over the emulator's state. */
export class EmulatorApi {
  readonly requests: WazapinEmulatorRequest[] = [];
  readonly faults = new FaultQueue<RequestFault>();
  private readonly closing = new AbortController();
  private window = { start: 0, count: 0 };
  private readonly routes: Record<string, Operation> = {
    'GET ': () => this.getSettings(),
    'POST endpoints': ({ body }) => this.createEndpoint(body),
    'PATCH endpoints/:id': ({ id, body }) => this.updateEndpoint(id, body),
    'DELETE endpoints/:id': ({ id }) => this.deleteEndpoint(id),
    'POST endpoints/:id/rotate-secret': ({ id }) => this.rotateSecret(id),
    'POST endpoints/:id/test': ({ id, body }) => this.sendTest(id, body),
    'GET deliveries': ({ query }) => this.listDeliveries(query),
    'POST deliveries/:id/retry': ({ id, body }) => this.retryDelivery(id, body),
  };

  constructor(
    private readonly state: EmulatorState,
    private readonly deliverer: EmulatorDeliverer,
    private readonly settings: EmulatorApiSettings,
  ) {}

  /** Stops waiting on injected delays. */
  close(): void {
    this.closing.abort();
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const slug = request.headers['x-organization-slug'];
    const record: WazapinEmulatorRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      organizationSlug: typeof slug === 'string' ? slug : undefined,
      authorized: request.headers.authorization === `Bearer ${this.settings.apiKey}`,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);
    let result: ApiResult;
    let headers: Record<string, string> = {};
    let fault: RequestFault | undefined;
    try {
      record.body = await readJson(request);
      fault = this.faults.take();
      if (fault?.kind === 'drop' && !fault.afterProcessing) {
        request.socket.destroy();
        return;
      }
      if (fault?.kind === 'delay') {
        await sleep(fault.ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
      }
      if (fault?.kind === 'fail') {
        throw new EmulatorHttpError(fault.status ?? 503, 'injected_fault', 'Injected fault', undefined, retryAfter(fault.retryAfterSeconds));
      }
      this.checkRateLimit();
      this.checkAccess(record);
      result = this.route(record.method, new URL(record.url, 'http://emulator'), record.body);
    } catch (error) {
      const failure =
        error instanceof EmulatorHttpError ? error : new EmulatorHttpError(500, 'internal_error', error instanceof Error ? error.message : 'Internal error');
      result = { status: failure.status, body: failure.toBody() };
      headers = failure.headers;
    }
    if (fault?.kind === 'drop') {
      // Acted on, but the answer is lost: what a client sees when a connection breaks late.
      request.socket.destroy();
      return;
    }
    record.status = result.status;
    if (response.destroyed) {
      return;
    }
    const payload = result.body === undefined ? '' : JSON.stringify(result.body);
    response.writeHead(result.status, { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) });
    response.end(payload);
  }

  private checkRateLimit(): void {
    const limit = this.settings.rateLimit;
    if (!limit) {
      return;
    }
    const now = Date.now();
    if (now - this.window.start >= limit.windowMs) {
      this.window = { start: now, count: 0 };
    }
    this.window.count += 1;
    if (this.window.count > limit.limit) {
      const seconds = Math.max(1, Math.ceil((this.window.start + limit.windowMs - now) / 1000));
      throw new EmulatorHttpError(429, 'rate_limited', 'Too many requests', undefined, retryAfter(seconds));
    }
  }

  private checkAccess(record: WazapinEmulatorRequest): void {
    if (!record.authorized) {
      throw new EmulatorHttpError(401, 'unauthorized', 'Missing or invalid API key');
    }
    const expected = this.settings.organizationSlug;
    if (expected !== undefined && record.organizationSlug !== undefined && record.organizationSlug !== expected) {
      throw new EmulatorHttpError(403, 'forbidden', 'The API key has no access to this organization');
    }
  }

  private route(method: string, url: URL, body: unknown): ApiResult {
    if (url.pathname.startsWith(`${MESSAGES_PATH}/`)) {
      return this.getMessage(method, url.pathname.slice(MESSAGES_PATH.length + 1));
    }
    if (url.pathname !== WAZAPIN_WEBHOOKS_API_PATH && !url.pathname.startsWith(`${WAZAPIN_WEBHOOKS_API_PATH}/`)) {
      throw new EmulatorHttpError(404, 'not_found', 'No such route');
    }
    const segments = url.pathname.slice(WAZAPIN_WEBHOOKS_API_PATH.length).split('/').filter((s) => s !== '');
    // The second segment of every parameterised route is the id.
    const id = segments.length >= 2 ? decodeSegment(segments[1]) : '';
    const shape = segments.map((segment, index) => (index === 1 ? ':id' : segment)).join('/');
    const operation = this.routes[`${method} ${shape}`];
    if (!operation) {
      const allowed = Object.keys(this.routes).some((key) => key.endsWith(` ${shape}`));
      throw allowed
        ? new EmulatorHttpError(405, 'method_not_allowed', `${method} is not allowed here`)
        : new EmulatorHttpError(404, 'not_found', 'No such route');
    }
    return operation({ id, body, query: url.searchParams });
  }

  /** `GET /v1/messages/{id}`: a message a published `message.new` or `message.sent` named. */
  private getMessage(method: string, segment: string): ApiResult {
    if (segment === '' || segment.includes('/')) {
      throw new EmulatorHttpError(404, 'not_found', 'No such route');
    }
    if (method !== 'GET') {
      throw new EmulatorHttpError(405, 'method_not_allowed', `${method} is not allowed here`);
    }
    const message = this.state.chatMessage(decodeSegment(segment));
    if (!message) {
      throw new EmulatorHttpError(404, 'not_found', 'No such message');
    }
    return { status: 200, body: { data: message } };
  }

  private getSettings(): ApiResult {
    return {
      status: 200,
      body: { data: { endpoints: this.state.listEndpoints().map((e) => endpointJson(e, false)), event_types: [...this.settings.eventTypes] } },
    };
  }

  private createEndpoint(body: unknown): ApiResult {
    const input = this.validate(CreateWazapinEndpointDto, body ?? {}, 'create endpoint');
    this.checkCatalog('event_types', input.event_types ?? []);
    return { status: 201, body: { data: endpointJson(this.state.createEndpoint(input), true) } };
  }

  private updateEndpoint(id: string, body: unknown): ApiResult {
    const endpoint = this.endpoint(id);
    const input = this.validate(UpdateWazapinEndpointDto, body ?? {}, 'update endpoint');
    this.checkCatalog('event_types', input.event_types ?? []);
    return { status: 200, body: { data: endpointJson(this.state.updateEndpoint(endpoint, input), false) } };
  }

  private deleteEndpoint(id: string): ApiResult {
    this.state.deleteEndpoint(this.endpoint(id).id);
    return { status: 204 };
  }

  private rotateSecret(id: string): ApiResult {
    const endpoint = this.state.rotateSecret(this.endpoint(id), this.settings.secretGracePeriodMs);
    return { status: 200, body: { data: endpointJson(endpoint, true) } };
  }

  private sendTest(id: string, body: unknown): ApiResult {
    const endpoint = this.endpoint(id);
    const input = this.validate(SendWazapinTestDeliveryDto, body ?? {}, 'send test delivery');
    const eventType = input.event_type ?? 'message.new';
    this.checkCatalog('event_type', [eventType]);
    if (endpoint.disabled) {
      throw new EmulatorHttpError(409, 'endpoint_disabled', 'The endpoint is disabled');
    }
    const message = this.deliverer.publish(eventType, sampleWazapinPayload(eventType), [endpoint.id], this.settings.body);
    return { status: 202, body: { data: { message_id: message.id, event_type: eventType, endpoint_id: endpoint.id } } };
  }

  private listDeliveries(query: URLSearchParams): ApiResult {
    const raw = Object.fromEntries(query);
    const input = this.validate(
      ListWazapinDeliveriesQueryDto,
      { ...raw, ...(raw.limit !== undefined ? { limit: /^\d+$/.test(raw.limit) ? Number(raw.limit) : raw.limit } : {}) },
      'list deliveries',
    );
    const { limit = this.settings.defaultPageSize, cursor, since, until, ...filter } = input;
    const all = this.state.listAttempts({ ...filter, since: since?.toString(), until: until?.toString() });
    let start = 0;
    if (cursor !== undefined) {
      const after = all.findIndex((attempt) => attempt.id === decodeCursor(cursor));
      if (after < 0) {
        throw new EmulatorHttpError(422, 'validation_error', 'Invalid cursor', { cursor: ['cursor is not one this API issued for this query'] });
      }
      start = after + 1;
    }
    const data = all.slice(start, start + Math.min(limit, MAX_PAGE_SIZE));
    const more = start + data.length < all.length;
    const nextCursor = more ? encodeCursor(data[data.length - 1].id) : null;
    switch (this.settings.pagination) {
      case 'iterator':
        return { status: 200, body: { data, iterator: nextCursor, done: !more } };
      case 'nested':
        return { status: 200, body: { data: { data, next_cursor: nextCursor } } };
      default:
        return { status: 200, body: { data, next_cursor: nextCursor } };
    }
  }

  private retryDelivery(messageId: string, body: unknown): ApiResult {
    const message = this.state.message(messageId);
    if (!message) {
      throw new EmulatorHttpError(404, 'not_found', 'Delivery not found');
    }
    const input = this.validate(RetryWazapinDeliveryDto, body ?? {}, 'retry delivery');
    const requested = input.endpoint_id === undefined ? undefined : [input.endpoint_id];
    if (requested && !message.endpointIds.includes(requested[0])) {
      throw new EmulatorHttpError(404, 'not_found', 'The delivery was not sent to that endpoint');
    }
    const failed = this.state.failedEndpointIds(message);
    // By default the failed endpoints; when none failed, a manual resend to all of them.
    const targets = (requested ?? (failed.length > 0 ? failed : message.endpointIds)).filter((endpointId) => {
      const endpoint = this.state.endpoint(endpointId);
      return endpoint !== undefined && !endpoint.disabled;
    });
    targets.forEach((endpointId) => this.deliverer.deliver(message, endpointId, 'manual'));
    return { status: 202, body: { data: { message_id: message.id, endpoint_ids: targets } } };
  }

  private endpoint(id: string): EmulatorEndpoint {
    const endpoint = this.state.endpoint(id);
    if (!endpoint) {
      throw new EmulatorHttpError(404, 'not_found', 'Endpoint not found');
    }
    return endpoint;
  }

  private validate<T extends object>(Dto: new () => T, input: unknown, operation: string): T {
    try {
      return validateInput(Dto, input, operation);
    } catch (error) {
      if (error instanceof WazapinValidationError) {
        throw new EmulatorHttpError(422, 'validation_error', 'The request is invalid', error.fields);
      }
      throw error;
    }
  }

  private checkCatalog(field: string, types: readonly string[]): void {
    const unknown = types.filter((type) => !this.settings.eventTypes.includes(type));
    if (unknown.length > 0) {
      throw new EmulatorHttpError(422, 'validation_error', 'The request is invalid', {
        [field]: unknown.map((type) => `unknown event type "${type}"`),
      });
    }
  }
}

function endpointJson(endpoint: EmulatorEndpoint, withSecret: boolean): WazapinEndpoint {
  const { previousSecrets, secret, ...fields } = endpoint;
  return withSecret ? { ...fields, secret } : fields;
}

function retryAfter(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

function encodeCursor(attemptId: string): string {
  return Buffer.from(attemptId).toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
