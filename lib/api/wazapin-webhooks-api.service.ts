import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { WazapinHandlerExplorer } from '../events/wazapin-handler.explorer.js';
import { printable } from '../utils/printable.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { CreateWazapinEndpointDto } from './dto/create-endpoint.dto.js';
import { ListWazapinDeliveriesQueryDto } from './dto/list-deliveries-query.dto.js';
import { RetryWazapinDeliveryDto } from './dto/retry-delivery.dto.js';
import { SendWazapinTestDeliveryDto } from './dto/send-test-delivery.dto.js';
import { SyncWazapinEndpointDto } from './dto/sync-endpoint.dto.js';
import { UpdateWazapinEndpointDto } from './dto/update-endpoint.dto.js';
import { validateInput } from './dto/validate-input.js';
import { recoverFailedDeliveries } from '../recovery/recover-failed-deliveries.js';
import type { WazapinRecoveryOptions, WazapinRecoveryResult } from '../recovery/wazapin-recovery.interface.js';
import { handledEventTypes } from './handled-event-types.js';
import { type WazapinApiRequest, WazapinHttpClient } from './http/wazapin-http.client.js';
import type { WazapinApiAccount, WazapinApiOptions } from './interfaces/wazapin-api-options.interface.js';
import type { WazapinDelivery, WazapinDeliveryRetry, WazapinTestDelivery } from './interfaces/wazapin-delivery.interface.js';
import type { WazapinEndpoint, WazapinWebhookSettings } from './interfaces/wazapin-endpoint.interface.js';
import type { WazapinMessage } from './interfaces/wazapin-message.interface.js';
import type { WazapinPage } from './interfaces/wazapin-page.interface.js';
import type { WazapinEndpointSyncResult } from './interfaces/wazapin-endpoint-sync-result.interface.js';
import { readObject, readPage, readResource, readRotation, UnexpectedAnswerError, unwrapData } from './wazapin-api-response.js';
import { WazapinApiError } from './wazapin-api.error.js';
import { WAZAPIN_API_OPTIONS, WAZAPIN_WEBHOOKS_API_PATH } from './wazapin-api.constants.js';
import { resolveWazapinApiSettings, type WazapinApiSettings } from './wazapin-api.settings.js';
import { WazapinValidationError } from './wazapin-validation.error.js';

const ENDPOINTS = `${WAZAPIN_WEBHOOKS_API_PATH}/endpoints`;
const DELIVERIES = `${WAZAPIN_WEBHOOKS_API_PATH}/deliveries`;
const MESSAGES = '/v1/messages';

/**
 * A plain token: 1 to 255 unreserved URL characters (and `:`), at least one a letter or digit.
 * Anything else could leave its path segment: `encodeURIComponent` keeps `.` and `..`, which the
 * URL parser then resolves, so `deleteEndpoint('..')` would send `DELETE …/webhooks/`.
 */
const PLAIN_TOKEN = /^(?=.*[A-Za-z0-9])[A-Za-z0-9_.~:-]{1,255}$/;

/** `value` encoded as one path segment; throws when it is not a plain token. The id is not quoted: it may be an attacker's. */
function pathId(operation: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || !PLAIN_TOKEN.test(value)) {
    throw new WazapinValidationError(operation, {
      [field]: [`${field} must be 1 to 255 characters from A-Z a-z 0-9 _ - . ~ : with at least one letter or digit`],
    });
  }
  return encodeURIComponent(value);
}

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((type, index) => type === right[index]);
}

function sameUrl(a: string, b: string): boolean {
  return URL.canParse(a) && URL.canParse(b) && new URL(a).href === new URL(b).href;
}

/**
 * Manages the organization's webhook endpoints through the Wazapin API: create, update,
 * delete, rotate secrets, send tests, list and retry deliveries, and keep this app's endpoint
 * in step with its handlers; and reads the content of the messages events name (`getMessage`).
 * Every input is validated before anything is sent; failures throw {@link WazapinApiError} or
 * {@link WazapinValidationError}.
 *
 * Inject it from `WazapinWebhooksModule` (configured by the module's `api` option; a named
 * registration's with `@InjectWazapinApi(name)`), or make one outside Nest with
 * `new WazapinWebhooksApiService({ apiKey })`. `withOptions` gives a client for another account.
 *
 * @publicApi
 */
@Injectable()
export class WazapinWebhooksApiService {
  private readonly logger = new Logger('WazapinWebhooksApi');
  private readonly settings: WazapinApiSettings;
  private http?: WazapinHttpClient;

  constructor(
    @Inject(WAZAPIN_API_OPTIONS) private readonly options: WazapinApiOptions = {},
    @Optional() private readonly explorer?: WazapinHandlerExplorer,
  ) {
    this.settings = resolveWazapinApiSettings(options);
  }

  /**
   * A client for another Wazapin account (a tenant's, say): its API key and organization, this
   * client's base URL, time limit and retries. `syncEndpoint` on it subscribes to the event
   * types this registration's handlers name.
   *
   * @example
   * ```ts
   * const tenantApi = this.api.withOptions({ apiKey: await this.keys.of(event.tenant) });
   * await tenantApi.listDeliveries({ status: 'failed' });
   * ```
   */
  withOptions(account: WazapinApiAccount): WazapinWebhooksApiService {
    if (typeof account !== 'object' || account === null || typeof account.apiKey !== 'string' || account.apiKey.trim() === '') {
      throw new WazapinConfigurationError('WazapinWebhooksApiService.withOptions: apiKey must be a non-empty string');
    }
    return new WazapinWebhooksApiService(
      { ...this.options, apiKey: account.apiKey, organizationSlug: account.organizationSlug },
      this.explorer,
    );
  }

  /** The organization's webhook settings: its endpoints (without secrets) and event types. */
  async getSettings(): Promise<WazapinWebhookSettings> {
    return this.call({ method: 'GET', path: WAZAPIN_WEBHOOKS_API_PATH }, (body) => {
      const settings = unwrapData(body);
      if (Array.isArray(settings)) {
        return { endpoints: settings as WazapinEndpoint[] };
      }
      const result = readObject<WazapinWebhookSettings>(body, 'webhook settings');
      if (!Array.isArray(result.endpoints)) {
        throw new UnexpectedAnswerError('expected webhook settings with an endpoints array');
      }
      return result;
    });
  }

  /** Creates an endpoint. The answer carries its signing secret. */
  async createEndpoint(input: CreateWazapinEndpointDto): Promise<WazapinEndpoint> {
    const body = validateInput(CreateWazapinEndpointDto, input, 'createEndpoint');
    return this.call({ method: 'POST', path: ENDPOINTS, body }, (answer) => readResource<WazapinEndpoint>(answer, 'an endpoint'));
  }

  /** Changes the given fields of an endpoint. */
  async updateEndpoint(endpointId: string, input: UpdateWazapinEndpointDto): Promise<WazapinEndpoint> {
    const id = pathId('updateEndpoint', 'endpointId', endpointId);
    const body = validateInput(UpdateWazapinEndpointDto, input, 'updateEndpoint');
    return this.call({ method: 'PATCH', path: `${ENDPOINTS}/${id}`, body }, (answer) => readResource<WazapinEndpoint>(answer, 'an endpoint'));
  }

  /** Deletes an endpoint. */
  async deleteEndpoint(endpointId: string): Promise<void> {
    const id = pathId('deleteEndpoint', 'endpointId', endpointId);
    await this.call({ method: 'DELETE', path: `${ENDPOINTS}/${id}` }, () => undefined);
  }

  /**
   * Gives an endpoint a new signing secret. The old one keeps signing alongside it for a grace
   * period, so add the new secret to the app's `secrets` before it ends.
   *
   * Returns what the API answered, every field kept, with `id` (the answer's, else `endpointId`)
   * and `secret` when the answer carried it. Without `secret` (a 204, or the secret under a name
   * of its own, kept among the fields) the rotation still happened: read the new secret from the
   * returned fields or from Wazapin before the grace period ends.
   * Never retried once it may have reached the API: a second rotation would retire the first's secret.
   */
  async rotateSecret(endpointId: string): Promise<WazapinEndpoint> {
    const id = pathId('rotateSecret', 'endpointId', endpointId);
    return this.call({ method: 'POST', path: `${ENDPOINTS}/${id}/rotate-secret` }, (answer) => readRotation(answer, endpointId));
  }

  /** Has the platform send a sample event to an endpoint. */
  async sendTestDelivery(endpointId: string, input: SendWazapinTestDeliveryDto = {}): Promise<WazapinTestDelivery> {
    const id = pathId('sendTestDelivery', 'endpointId', endpointId);
    const body = validateInput(SendWazapinTestDeliveryDto, input, 'sendTestDelivery');
    return this.call({ method: 'POST', path: `${ENDPOINTS}/${id}/test`, body }, (answer) =>
      answer === undefined ? {} : readObject<WazapinTestDelivery>(answer, 'a test delivery'),
    );
  }

  /** One page of delivery attempts, newest first; pass `next_cursor` as `cursor` for the next. */
  async listDeliveries(query: ListWazapinDeliveriesQueryDto = {}): Promise<WazapinPage<WazapinDelivery>> {
    const valid = validateInput(ListWazapinDeliveriesQueryDto, query, 'listDeliveries');
    return this.call(
      {
        method: 'GET',
        path: DELIVERIES,
        query: {
          limit: valid.limit,
          cursor: valid.cursor,
          endpoint_id: valid.endpoint_id,
          status: valid.status,
          event_type: valid.event_type,
          since: valid.since?.toString(),
          until: valid.until?.toString(),
        },
      },
      (answer) => readPage<WazapinDelivery>(answer),
    );
  }

  /**
   * Every delivery attempt matching `query`, fetching page after page as the loop asks for
   * more. To retry what failed, {@link recoverFailedDeliveries} retries each message once. Stops with a {@link WazapinApiError} if the API hands back a cursor it gave before.
   *
   * @example
   * ```ts
   * for await (const delivery of api.iterateDeliveries({ status: 'failed' })) {
   *   console.log(delivery.message_id, delivery.response_status_code);
   * }
   * ```
   */
  async *iterateDeliveries(query: Omit<ListWazapinDeliveriesQueryDto, 'cursor'> = {}): AsyncGenerator<WazapinDelivery, void, undefined> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.listDeliveries({ ...query, cursor });
      yield* page.data;
      cursor = page.next_cursor ?? undefined;
      if (cursor !== undefined && seen.has(cursor)) {
        throw new WazapinApiError({
          status: undefined,
          code: 'pagination_loop',
          message: 'the API returned a cursor it had already returned',
          method: 'GET',
          path: DELIVERIES,
          attempts: 1,
        });
      }
      if (cursor !== undefined) {
        seen.add(cursor);
      }
    } while (cursor !== undefined);
  }

  /**
   * Sends a delivery again, with the same delivery id and a fresh signature: by default to
   * every endpoint it failed on. `messageId` is the delivery's `message_id` (its `svix-id`).
   */
  async retryDelivery(messageId: string, input: RetryWazapinDeliveryDto = {}): Promise<WazapinDeliveryRetry> {
    const id = pathId('retryDelivery', 'messageId', messageId);
    const body = validateInput(RetryWazapinDeliveryDto, input, 'retryDelivery');
    return this.call({ method: 'POST', path: `${DELIVERIES}/${id}/retry`, body }, (answer) =>
      answer === undefined ? { message_id: messageId } : readObject<WazapinDeliveryRetry>(answer, 'a retry'),
    );
  }

  /**
   * Retries, once each, the deliveries Wazapin gave up on in a window: per message, its newest
   * failed attempt unless a later attempt succeeded, `concurrency` at a time (default 4), a 429
   * pausing them all for its Retry-After. A replay of something the app handled already is
   * answered as a duplicate by the receiving side's deduplication. `dryRun` only counts.
   *
   * @example
   * ```ts
   * const { toRetry, retried, failed } = await api.recoverFailedDeliveries({ since: new Date(Date.now() - 2 * 3600_000) });
   * ```
   */
  recoverFailedDeliveries(options: WazapinRecoveryOptions): Promise<WazapinRecoveryResult> {
    return recoverFailedDeliveries(this, options);
  }

  /**
   * The content of a WhatsApp message: what a `message.new` or `message.sent` event's
   * `message_id` names (its text, media, direction). A message the API does not know throws a
   * {@link WazapinApiError} with status 404.
   *
   * @example
   * ```ts
   * @OnWazapinEvent('message.new')
   * async onMessage(event: WazapinEvent<'message.new'>) {
   *   const { text } = await this.api.getMessage(event.payload.message_id);
   * }
   * ```
   */
  async getMessage(messageId: string): Promise<WazapinMessage> {
    const id = pathId('getMessage', 'messageId', messageId);
    return this.call({ method: 'GET', path: `${MESSAGES}/${id}` }, (answer) => readResource<WazapinMessage>(answer, 'a message'));
  }

  /**
   * Makes sure an endpoint for `url` exists with the given filter: creates it, updates its
   * event types (and description, when given) if they differ, or leaves it. Running it again
   * changes nothing. `eventTypes` defaults to the types the app's `@OnWazapinEvent` handlers
   * name, all of them when one is a wildcard. A disabled endpoint is not re-enabled.
   */
  async syncEndpoint(input: SyncWazapinEndpointDto): Promise<WazapinEndpointSyncResult> {
    const valid = validateInput(SyncWazapinEndpointDto, input, 'syncEndpoint');
    const eventTypes = valid.eventTypes ?? this.discoveredEventTypes();
    const existing = (await this.getSettings()).endpoints.filter((endpoint) => sameUrl(endpoint.url, valid.url));
    if (existing.length > 1) {
      this.logger.warn(`${existing.length} endpoints have the URL ${valid.url}; syncing the first, ${printable(String(existing[0].id))}`);
    }
    const [endpoint] = existing;
    if (!endpoint) {
      const created = await this.createEndpoint({ url: valid.url, event_types: eventTypes, description: valid.description, secret: valid.secret });
      return { action: 'created', endpoint: created };
    }
    const descriptionChanged = valid.description !== undefined && valid.description !== endpoint.description;
    if (sameTypes(endpoint.event_types ?? [], eventTypes) && !descriptionChanged) {
      return { action: 'unchanged', endpoint };
    }
    const updated = await this.updateEndpoint(endpoint.id, { event_types: eventTypes, description: valid.description });
    return { action: 'updated', endpoint: updated };
  }

  private discoveredEventTypes(): string[] {
    const types = handledEventTypes(this.explorer?.handlers() ?? []);
    if (types === undefined) {
      throw new WazapinValidationError('syncEndpoint', {
        eventTypes: ['no @OnWazapinEvent handler was found to subscribe for; pass eventTypes'],
      });
    }
    return types;
  }

  private async call<T>(request: WazapinApiRequest, read: (body: unknown) => T): Promise<T> {
    const body = await this.client().request(request);
    try {
      return read(body);
    } catch (error) {
      if (error instanceof UnexpectedAnswerError) {
        throw new WazapinApiError({
          status: undefined,
          code: 'invalid_response',
          message: `the API's answer has an unexpected shape (${error.message})`,
          method: request.method,
          path: request.path,
          attempts: 1,
        });
      }
      throw error;
    }
  }

  private client(): WazapinHttpClient {
    const { apiKey } = this.settings;
    if (apiKey === undefined) {
      throw new WazapinConfigurationError(
        'WazapinWebhooksApiService needs an API key: set the module option `api.apiKey` ' +
          '(e.g. `api: wazapinApiOptionsFromEnv(config)` with WAZAPIN_API_KEY set). Receiving webhooks does not need one.',
      );
    }
    this.http ??= new WazapinHttpClient({ ...this.settings, apiKey }, this.logger);
    return this.http;
  }
}
