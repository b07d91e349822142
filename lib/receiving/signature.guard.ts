import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  PayloadTooLargeException,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { readWebhookHeaders } from '../signature/webhook-headers.js';
import type { WebhookVerificationFailure, WebhookVerifier } from '../signature/webhook-verifier.interface.js';
import { WazapinWebhooksConfig } from '../wazapin-webhooks.config.js';
import { WAZAPIN_VERIFIED_DELIVERY, WAZAPIN_WEBHOOK_VERIFIER } from '../wazapin-webhooks.constants.js';
import type { WebhookRequest } from './webhook-request.interface.js';

const RAW_BODY_MISSING =
  'Wazapin webhook rejected: the raw request body is not available, so its signature cannot be checked. ' +
  'Create the app with `NestFactory.create(AppModule, { rawBody: true })` (Express or Fastify), and do not replace ' +
  "Nest's JSON body parser with one that drops the raw bytes (e.g. a global `express.json()` middleware).";

const FAILURE_MESSAGES: Record<WebhookVerificationFailure, string> = {
  'invalid-timestamp': 'Webhook timestamp is not an integer of Unix seconds',
  'timestamp-too-old': 'Webhook timestamp is too old',
  'timestamp-too-new': 'Webhook timestamp is too far in the future',
  'no-matching-signature': 'No webhook signature matches',
};

function lowerCaseHeaders(headers: WebhookRequest['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      result[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
    }
  }
  return result;
}

/**
 * Admits a request only when it is a delivery signed by a configured secret within the
 * timestamp tolerance, checked over the raw body bytes. Leaves the verified delivery on the
 * request for the controller.
 */
@Injectable()
export class WazapinSignatureGuard implements CanActivate {
  private readonly logger = new Logger('WazapinWebhooks');

  constructor(
    private readonly config: WazapinWebhooksConfig,
    @Inject(WAZAPIN_WEBHOOK_VERIFIER) private readonly verifier: WebhookVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    const body = this.rawBody(request);
    if (body.length > this.config.maxBodyBytes) {
      throw new PayloadTooLargeException(`Webhook body exceeds ${this.config.maxBodyBytes} bytes`);
    }
    const headers = readWebhookHeaders(request.headers);
    if ('missing' in headers) {
      throw new BadRequestException(`Missing webhook header(s): ${headers.missing.join(', ')}`);
    }
    const result = this.verifier.verify(headers, body);
    if (!result.ok) {
      throw new UnauthorizedException(FAILURE_MESSAGES[result.reason]);
    }
    request[WAZAPIN_VERIFIED_DELIVERY] = {
      id: headers.id,
      timestamp: result.timestamp,
      body,
      headers: lowerCaseHeaders(request.headers),
    };
    return true;
  }

  private rawBody(request: WebhookRequest): Buffer {
    if (Buffer.isBuffer(request.rawBody)) {
      return request.rawBody;
    }
    const contentType = request.headers['content-type'];
    if (typeof contentType !== 'string' || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
      throw new UnsupportedMediaTypeException('Webhook body must be application/json');
    }
    this.logger.error(RAW_BODY_MISSING);
    throw new InternalServerErrorException('Webhook receiver is misconfigured: raw body unavailable');
  }
}
