import { Controller, Param, Post, Res, Type, UseFilters, UseGuards, VERSION_NEUTRAL } from '@nestjs/common';
import type { WazapinModuleDefinition } from '../wazapin-webhooks.options.js';
import { FASTIFY_ROUTE_CONFIG_METADATA, WAZAPIN_ROUTE_CONFIG } from './body-read-failure.handler.js';
import { WazapinSignatureGuard } from './signature.guard.js';
import type { SignedDelivery } from './signed-delivery.interface.js';
import { VerifiedDelivery } from './verified-delivery.decorator.js';
import { WazapinWebhookExceptionFilter } from './wazapin-webhook-exception.filter.js';
import { sendReceipt } from './receipt-writer.js';
import { WazapinWebhookReceiver } from './wazapin-webhook.receiver.js';

/**
 * Makes the webhook controller for one module registration: a class of its own, so its
 * route and the app's decorators (e.g. `Public()`) belong to that registration only. Version
 * neutral unless told otherwise: the platform posts to a fixed URL with no version header.
 * A `tenants` registration's routes start with the tenant (`/{path}/{tenant}[/{eventType}]`),
 * which the signature guard reads.
 */
export function createWazapinWebhookController(definition: WazapinModuleDefinition, decorators: readonly ClassDecorator[]): Type<unknown> {
  const { path, version, tenants } = definition;
  const route = tenants ? ':tenant' : '/';
  const typedRoute = tenants ? ':tenant/:eventType' : ':eventType';

  @Controller({ path, version: version ?? VERSION_NEUTRAL })
  @UseGuards(WazapinSignatureGuard)
  @UseFilters(WazapinWebhookExceptionFilter)
  class WazapinWebhookController {
    constructor(private readonly receiver: WazapinWebhookReceiver) {}

    @Post(route)
    receive(@VerifiedDelivery() delivery: SignedDelivery, @Res() response: unknown): Promise<void> {
      return this.answer(delivery, response);
    }

    @Post(typedRoute)
    receiveTyped(@VerifiedDelivery() delivery: SignedDelivery, @Param('eventType') eventType: string, @Res() response: unknown): Promise<void> {
      return this.answer(delivery, response, eventType);
    }

    /**
     * The response is written here (see sendReceipt); an error thrown goes to the route's filter.
     * With telemetry, the receiver runs in the request's trace, so the handlers it starts are part of it.
     */
    private async answer(delivery: SignedDelivery, response: unknown, eventType?: string): Promise<void> {
      const { trace } = delivery;
      if (!trace) {
        sendReceipt(response, await this.receiver.receive(delivery, eventType));
        return;
      }
      const receipt = await trace.within(() => this.receiver.receive(delivery, eventType));
      sendReceipt(response, receipt);
      trace.answered(receipt);
    }
  }
  for (const decorate of decorators) {
    decorate(WazapinWebhookController);
  }
  // Marks the routes on Fastify, so their body errors are answered as the route answers.
  for (const handler of [WazapinWebhookController.prototype.receive, WazapinWebhookController.prototype.receiveTyped]) {
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { [WAZAPIN_ROUTE_CONFIG]: definition.name }, handler);
  }
  return WazapinWebhookController;
}
