import { Module, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { WazapinApiOptions } from './api/interfaces/wazapin-api-options.interface.js';
import { WAZAPIN_API_OPTIONS } from './api/wazapin-api.constants.js';
import { WazapinEndpointRegistrar } from './api/wazapin-endpoint.registrar.js';
import { WazapinWebhooksApiService } from './api/wazapin-webhooks-api.service.js';
import { WazapinEventEmitter } from './events/wazapin-event-emitter.js';
import { WazapinEventDispatcher } from './events/wazapin-event.dispatcher.js';
import { WazapinHandlerExplorer } from './events/wazapin-handler.explorer.js';
import { InMemoryIdempotencyStore } from './idempotency/in-memory-idempotency.store.js';
import type { WazapinWebhooksModuleOptions } from './interfaces/wazapin-webhooks-options.interface.js';
import { WazapinDeliveryQueue } from './queue/wazapin-delivery.queue.js';
import { WazapinDeliveryWorker } from './queue/wazapin-delivery.worker.js';
import { BodyReadFailureHandler } from './receiving/body-read-failure.handler.js';
import { WazapinSignatureGuard } from './receiving/signature.guard.js';
import { WazapinWebhookExceptionFilter } from './receiving/wazapin-webhook-exception.filter.js';
import { HandlerLedger } from './receiving/handler-ledger.js';
import { WazapinWebhookReceiver } from './receiving/wazapin-webhook.receiver.js';
import { WebhookRequestVerifier } from './receiving/webhook-request.verifier.js';
import { NativeWebhookVerifier } from './signature/native-webhook-verifier.js';
import { SvixWebhookVerifier } from './signature/svix-webhook-verifier.js';
import type { WebhookVerifier } from './signature/webhook-verifier.interface.js';
import { WazapinWebhooksConfig } from './wazapin-webhooks.config.js';
import {
  WAZAPIN_IDEMPOTENCY_STORE,
  WAZAPIN_WEBHOOK_VERIFIER,
  WAZAPIN_WEBHOOKS_MODULE_OPTIONS,
} from './wazapin-webhooks.constants.js';
import { ConfigurableModuleClass } from './wazapin-webhooks.module-definition.js';

/**
 * Receives Wazapin webhooks (a signed-delivery route, deduplication, dispatch to
 * `@OnWazapinEvent` handlers) and provides `WazapinWebhooksApiService`. Register with `forRoot(options)` or `forRootAsync({ useFactory, inject })`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    WazapinWebhooksConfig,
    {
      provide: WAZAPIN_WEBHOOK_VERIFIER,
      inject: [WazapinWebhooksConfig],
      useFactory: (config: WazapinWebhooksConfig): WebhookVerifier => {
        const Verifier = config.verifier === 'svix' ? SvixWebhookVerifier : NativeWebhookVerifier;
        return new Verifier({ secrets: config.secrets, toleranceSeconds: config.toleranceSeconds });
      },
    },
    {
      provide: WAZAPIN_IDEMPOTENCY_STORE,
      inject: [WazapinWebhooksConfig],
      useFactory: (config: WazapinWebhooksConfig) =>
        config.options.idempotency?.store ?? new InMemoryIdempotencyStore({ maxEntries: config.idempotencyMaxEntries }),
    },
    WazapinHandlerExplorer,
    WazapinEventEmitter,
    WazapinEventDispatcher,
    WebhookRequestVerifier,
    BodyReadFailureHandler,
    WazapinSignatureGuard,
    WazapinWebhookExceptionFilter,
    HandlerLedger,
    WazapinWebhookReceiver,
    {
      provide: WAZAPIN_API_OPTIONS,
      inject: [WAZAPIN_WEBHOOKS_MODULE_OPTIONS],
      useFactory: (options: WazapinWebhooksModuleOptions): WazapinApiOptions => options.api ?? {},
    },
    WazapinWebhooksApiService,
    WazapinEndpointRegistrar,
    WazapinDeliveryQueue,
    WazapinDeliveryWorker,
  ],
  exports: [WazapinWebhooksConfig, WazapinHandlerExplorer, WAZAPIN_IDEMPOTENCY_STORE, WazapinWebhooksApiService],
})
export class WazapinWebhooksModule extends ConfigurableModuleClass implements NestModule {
  constructor(private readonly bodyReadFailures: BodyReadFailureHandler) {
    super();
  }

  /** Nest calls this after the body parsers are set up and before the routes are: the moment to hook in. */
  configure(): void {
    this.bodyReadFailures.install();
  }
}
