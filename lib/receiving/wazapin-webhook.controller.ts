import { Controller, HttpCode, Param, Post, Req, Type, UseFilters, UseGuards, VERSION_NEUTRAL } from '@nestjs/common';
import type { WazapinRouteVersion } from '../interfaces/wazapin-webhooks-options.interface.js';
import { WAZAPIN_VERIFIED_DELIVERY } from '../wazapin-webhooks.constants.js';
import { FASTIFY_ROUTE_CONFIG_METADATA, WAZAPIN_ROUTE_CONFIG } from './body-read-failure.handler.js';
import { WazapinSignatureGuard } from './signature.guard.js';
import type { VerifiedDelivery } from './verified-delivery.interface.js';
import { WazapinWebhookExceptionFilter } from './wazapin-webhook-exception.filter.js';
import { type WazapinWebhookReceipt, WazapinWebhookReceiver } from './wazapin-webhook.receiver.js';
import type { WebhookRequest } from './webhook-request.interface.js';

function verifiedDelivery(request: WebhookRequest): VerifiedDelivery {
  // The guard always sets it before the handler runs.
  return request[WAZAPIN_VERIFIED_DELIVERY] as VerifiedDelivery;
}

/**
 * Makes the webhook controller for one module registration: a class of its own, so its
 * route and the app's decorators (e.g. `Public()`) belong to that registration only. Version
 * neutral unless told otherwise: the platform posts to a fixed URL with no version header.
 */
export function createWazapinWebhookController(path: string, version: WazapinRouteVersion | undefined, decorators: readonly ClassDecorator[]): Type<unknown> {
  @Controller({ path, version: version ?? VERSION_NEUTRAL })
  @UseGuards(WazapinSignatureGuard)
  @UseFilters(WazapinWebhookExceptionFilter)
  class WazapinWebhookController {
    constructor(private readonly receiver: WazapinWebhookReceiver) {}

    @Post()
    @HttpCode(200)
    receive(@Req() request: WebhookRequest): Promise<WazapinWebhookReceipt> {
      return this.receiver.receive(verifiedDelivery(request));
    }

    @Post(':eventType')
    @HttpCode(200)
    receiveTyped(@Req() request: WebhookRequest, @Param('eventType') eventType: string): Promise<WazapinWebhookReceipt> {
      return this.receiver.receive(verifiedDelivery(request), eventType);
    }
  }
  for (const decorate of decorators) {
    decorate(WazapinWebhookController);
  }
  // Marks the routes on Fastify, so their body errors are answered as the route answers.
  for (const handler of [WazapinWebhookController.prototype.receive, WazapinWebhookController.prototype.receiveTyped]) {
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { [WAZAPIN_ROUTE_CONFIG]: path }, handler);
  }
  return WazapinWebhookController;
}
