import {
  BadRequestException,
  HttpException,
  Inject,
  Injectable,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { WAZAPIN_OPTIONS, WAZAPIN_TELEMETRY } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { answering, rejecting } from '../telemetry/delivery-outcome.js';
import type { ReceiveTrace, WazapinTelemetry } from '../telemetry/wazapin-telemetry.interface.js';
import { type BodyReadFailure, bodyReadFailure } from './body-read-failure.js';
import type { WebhookRequest } from './webhook-request.interface.js';
import { WebhookRequestVerifier } from './webhook-request.verifier.js';
import { webhookRouteMatcher } from './webhook-route-matcher.js';

/**
 * The key of the Fastify route config that marks the webhook routes (Nest copies a handler's
 * `__fastify_route_config__` metadata into its route's `config`); its value is the registration's name.
 */
export const WAZAPIN_ROUTE_CONFIG = 'wazapinWebhookRoute';
export const FASTIFY_ROUTE_CONFIG_METADATA = '__fastify_route_config__';

type Reply = (response: unknown, exception: HttpException) => void;
type ExpressErrorMiddleware = (error: unknown, request: WebhookRequest & { path: string }, response: unknown, next: (error?: unknown) => void) => void;
interface FastifyRouteOptions {
  config?: Record<string, unknown>;
  errorHandler?: (error: unknown, request: WebhookRequest, reply: unknown) => void;
}
interface FastifyInstance {
  addHook(name: 'onRoute', hook: (route: FastifyRouteOptions) => void): void;
  errorHandler: (error: unknown, request: unknown, reply: unknown) => void;
}

/**
 * Answers, on the webhook route, the requests whose body the HTTP server failed to read before
 * the route ran: a JSON body that does not parse, one over the server's limit, a content type
 * it does not read. Without this the app's parser answers first, on Express with a message that
 * quotes the body, on Fastify in another format. Here both adapters answer as the route does
 * (`{ statusCode, error, message }`, never the body), and a body that is not JSON is checked
 * like any delivery first: missing headers answer 400, a bad signature 401.
 */
@Injectable()
export class BodyReadFailureHandler {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly appConfig: ApplicationConfig,
    private readonly requests: WebhookRequestVerifier,
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    @Inject(WAZAPIN_TELEMETRY) private readonly telemetry: WazapinTelemetry,
  ) {}

  /** Hooks into the app's HTTP server; called before Nest registers the routes, once the app set its prefix and versioning. */
  install(): void {
    const adapter = this.adapterHost.httpAdapter;
    const reply: Reply = (response, exception) => adapter.reply(response, exception.getResponse(), exception.getStatus());
    switch (adapter?.getType()) {
      case 'express':
        adapter.use(this.expressMiddleware(reply));
        break;
      case 'fastify':
        this.hookFastifyRoutes(adapter.getInstance<FastifyInstance>(), reply);
        break;
    }
  }

  /**
   * What the route answers for `error`, or `undefined` when the error is not about the body.
   * `tenant` is the route's tenant segment, for a `tenants` registration. Traced as a request
   * to the route, with telemetry.
   */
  async answer(error: unknown, request: WebhookRequest, tenant?: string): Promise<HttpException | undefined> {
    const failure = bodyReadFailure(error);
    if (failure === undefined) {
      return undefined;
    }
    const trace = this.telemetry.receiving(request);
    try {
      const answer = await this.answerFailure(failure, request, tenant, trace);
      trace?.failed(answer);
      return answer;
    } catch (unexpected) {
      trace?.failed(unexpected);
      throw unexpected;
    }
  }

  private async answerFailure(failure: BodyReadFailure, request: WebhookRequest, tenant?: string, trace?: ReceiveTrace): Promise<HttpException> {
    switch (failure) {
      case 'too-large':
        return rejecting(new PayloadTooLargeException("Webhook body exceeds the HTTP server's body limit"), 'too-large');
      case 'media-type':
        return rejecting(new UnsupportedMediaTypeException('Webhook body must be application/json in UTF-8'), 'media-type');
      case 'unreadable':
        return rejecting(new BadRequestException('Webhook body could not be read'), 'body-unreadable');
      case 'not-json':
      case 'not-object':
        try {
          const verified = await this.requests.verify(request, tenant);
          trace?.verified(verified);
        } catch (rejection) {
          if (rejection instanceof HttpException) {
            return rejection;
          }
          throw rejection;
        }
        // The same words the route says on Fastify, whose parser takes any JSON.
        return answering(new BadRequestException(`Webhook body is not ${failure === 'not-json' ? 'valid JSON' : 'a JSON object'}`), 'invalid');
    }
  }

  /**
   * An Express error middleware, registered after the body parsers and before the routes. An
   * error skips the routes, so the request is recognised by its path, matched against the
   * route's as Nest mounts it (global prefix, URI version).
   */
  private expressMiddleware(reply: Reply): ExpressErrorMiddleware {
    const webhookRoute = webhookRouteMatcher({
      ...this.options.route,
      tenants: this.options.tenants !== undefined,
      globalPrefix: this.appConfig.getGlobalPrefix(),
      prefixMayBeExcluded: (this.appConfig.getGlobalPrefixOptions().exclude?.length ?? 0) > 0,
      versioning: this.appConfig.getVersioning(),
    });
    return (error, request, response, next) => {
      const route = webhookRoute(request.path);
      if (!route) {
        next(error);
        return;
      }
      this.answer(error, request, route.tenant).then(
        (answer) => (answer ? reply(response, answer) : next(error)),
        (unexpected: unknown) => next(unexpected),
      );
    };
  }

  /** Gives the module's Fastify routes, marked by their config, an error handler of their own. */
  private hookFastifyRoutes(fastify: FastifyInstance, reply: Reply): void {
    fastify.addHook('onRoute', (route) => {
      if (route.config?.[WAZAPIN_ROUTE_CONFIG] !== this.options.account) {
        return;
      }
      route.errorHandler = (error, request, response) => {
        // Fastify routes before it reads the body, so the route's parameters are known. Any
        // other error goes to the app's handler, as on every other route.
        this.answer(error, request, request.params?.tenant).then(
          (answer) => (answer ? reply(response, answer) : fastify.errorHandler(error, request, response)),
          (unexpected: unknown) => fastify.errorHandler(unexpected, request, response),
        );
      };
    });
  }
}
