import {
  BadRequestException,
  type HttpException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  Optional,
  PayloadTooLargeException,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { isWazapinIdentifier } from '../accounts/wazapin-account.js';
import { readWebhookHeaders, type WebhookSignatureHeaders } from '../signature/webhook-headers.js';
import { checkWebhookTimestamp } from '../signature/webhook-timestamp.js';
import { rejecting } from '../telemetry/delivery-outcome.js';
import type { WebhookVerificationFailure, WebhookVerifier } from '../signature/webhook-verifier.interface.js';
import { TenantVerifiers } from '../tenants/tenant-verifiers.js';
import { ThrottledLog } from '../utils/throttled-log.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { WAZAPIN_WEBHOOK_VERIFIER, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { SignedDelivery } from './signed-delivery.interface.js';
import type { WebhookRequest } from './webhook-request.interface.js';

const RAW_BODY_MISSING =
  'Wazapin webhook rejected: the raw request body is not available, so its signature cannot be checked. ' +
  'Create the app with `NestFactory.create(AppModule, { rawBody: true })` (Express or Fastify), and do not replace ' +
  "Nest's JSON body parser with one that drops the raw bytes (e.g. a global `express.json()` middleware).";
const RAW_BODY_LOG_INTERVAL_MS = 60_000;

/** What each verification failure answers: 401, except a body that is not UTF-8 (400). */
const REJECTIONS: Record<WebhookVerificationFailure, () => HttpException> = {
  'invalid-timestamp': () => rejecting(new UnauthorizedException('Webhook timestamp is not an integer of Unix seconds'), 'invalid-timestamp'),
  'timestamp-too-old': () => rejecting(new UnauthorizedException('Webhook timestamp is too old'), 'timestamp-too-old'),
  'timestamp-too-new': () => rejecting(new UnauthorizedException('Webhook timestamp is too far in the future'), 'timestamp-too-new'),
  'no-matching-signature': () => rejecting(new UnauthorizedException('No webhook signature matches'), 'no-matching-signature'),
  'body-not-utf8': () => rejecting(new BadRequestException('Webhook body is not valid UTF-8'), 'body-not-utf8'),
};

const EMPTY_BODY = Buffer.alloc(0);

/** The three signature headers, or a 400 naming those missing. */
function present(headers: WebhookSignatureHeaders | { missing: string[] }): WebhookSignatureHeaders {
  if ('missing' in headers) {
    throw rejecting(new BadRequestException(`Missing webhook header(s): ${headers.missing.join(', ')}`), 'headers-missing');
  }
  return headers;
}
/** The media type the platform sends, with its parameters. */
const JSON_MEDIA_TYPE = /^application\/json[\t ]*(?:;(.*))?$/i;
const CHARSET = /(?:^|;)[\t ]*charset[\t ]*=[\t ]*"?([^";\t ]*)/i;

/** `application/json`, in UTF-8 if it names a charset: what the platform sends and the receiver reads. */
function isJsonContentType(contentType: string | readonly string[] | undefined): boolean {
  const match = typeof contentType === 'string' ? JSON_MEDIA_TYPE.exec(contentType) : null;
  if (!match) {
    return false;
  }
  const charset = CHARSET.exec(match[1] ?? '')?.[1];
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

function lowerCaseHeaders(headers: WebhookRequest['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  // Node's parser has lower-cased the names already; lower-casing them again is cheap and sure.
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) {
      result[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
    }
  }
  return result;
}

/** Whether the request announced a body (as Node's parsers tell: a length or a chunked encoding). */
function announcesBody(request: WebhookRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Decides whether a request is a delivery signed by a configured secret within the timestamp
 * tolerance, checked over the raw body bytes, and answers why not with the right status.
 * Used by the signature guard, and for requests whose body the HTTP server could not parse.
 * A `tenants` registration checks with the secrets of the tenant the route names, resolved
 * (or cached) once the request looks like a current delivery: the id is well formed, the
 * headers are there, the timestamp is within the tolerance.
 */
@Injectable()
export class WebhookRequestVerifier {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly rawBodyMissing = new ThrottledLog(RAW_BODY_LOG_INTERVAL_MS);

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    @Optional() @Inject(WAZAPIN_WEBHOOK_VERIFIER) private readonly verifier?: WebhookVerifier,
    @Optional() private readonly tenants?: TenantVerifiers,
  ) {}

  /**
   * The verified delivery, or an HTTP exception saying what is wrong with the request. At once,
   * except for a tenant whose secrets are not cached: then once they are resolved.
   * `tenant` is the route's tenant segment, read by a `tenants` registration only.
   */
  verify(request: WebhookRequest, tenant?: string): SignedDelivery | Promise<SignedDelivery> {
    if (this.tenants && !isWazapinIdentifier(tenant)) {
      throw rejecting(new NotFoundException('Unknown webhook tenant'), 'unknown-tenant');
    }
    if (!isJsonContentType(request.headers['content-type'])) {
      throw rejecting(new UnsupportedMediaTypeException('Webhook body must be application/json in UTF-8'), 'media-type');
    }
    const headers = readWebhookHeaders(request.headers);
    const body = Buffer.isBuffer(request.rawBody) ? request.rawBody : this.bodyWithoutRawBytes(request, headers);
    if (body.length > this.options.maxBodyBytes) {
      throw rejecting(new PayloadTooLargeException(`Webhook body exceeds ${this.options.maxBodyBytes} bytes`), 'too-large');
    }
    const signed = present(headers);
    if (!this.tenants) {
      return this.check(this.verifier!, signed, body, request);
    }
    const timestamp = checkWebhookTimestamp(signed.timestamp, this.options.toleranceSeconds, Math.floor(Date.now() / 1000));
    if (!timestamp.ok) {
      throw REJECTIONS[timestamp.reason]();
    }
    const verifier = this.tenants.verifierFor(tenant!);
    return verifier instanceof Promise
      ? verifier.then((resolved) => this.check(resolved, signed, body, request, tenant))
      : this.check(verifier, signed, body, request, tenant);
  }

  private check(verifier: WebhookVerifier, signed: WebhookSignatureHeaders, body: Buffer, request: WebhookRequest, tenant?: string): SignedDelivery {
    const result = verifier.verify(signed, body);
    if (!result.ok) {
      throw REJECTIONS[result.reason]();
    }
    return { id: signed.id, timestamp: result.timestamp, body, headers: lowerCaseHeaders(request.headers), tenant };
  }

  /**
   * No raw bytes of a JSON body: there was none, or a parser took it without keeping its bytes
   * (the app is misconfigured: 500 and a log line saying how to fix it). The headers and
   * timestamp are checked first, so only what looks like a current delivery gets that answer,
   * and the log says it at most once a minute.
   */
  private bodyWithoutRawBytes(request: WebhookRequest, headers: WebhookSignatureHeaders | { missing: string[] }): Buffer {
    if (!announcesBody(request)) {
      return EMPTY_BODY;
    }
    const timestamp = checkWebhookTimestamp(present(headers).timestamp, this.options.toleranceSeconds, Math.floor(Date.now() / 1000));
    if (!timestamp.ok) {
      throw REJECTIONS[timestamp.reason]();
    }
    this.rawBodyMissing.write((suppressed) =>
      this.logger.error(suppressed > 0 ? `${RAW_BODY_MISSING} (${suppressed} more deliveries rejected so since the last line)` : RAW_BODY_MISSING),
    );
    throw rejecting(new InternalServerErrorException('Webhook receiver is misconfigured: raw body unavailable'), 'raw-body-missing');
  }
}
