import { Module, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WAZAPIN_API_OPTIONS } from './api/wazapin-api.constants.js';
import { WazapinEndpointRegistrar } from './api/wazapin-endpoint.registrar.js';
import { WazapinWebhooksApiService } from './api/wazapin-webhooks-api.service.js';
import { StoredDeadLetters } from './dead-letters/stored-dead-letters.js';
import { WazapinDeadLetters } from './dead-letters/wazapin-dead-letters.service.js';
import { WazapinEventEmitter } from './events/wazapin-event-emitter.js';
import { WazapinEventDispatcher } from './events/wazapin-event.dispatcher.js';
import { WazapinHandlerExplorer } from './events/wazapin-handler.explorer.js';
import { BodyReadFailureHandler } from './receiving/body-read-failure.handler.js';
import { DeliveryClaims } from './receiving/delivery-claims.js';
import { HandlerLedger } from './receiving/handler-ledger.js';
import { WazapinWebhookReceiver } from './receiving/wazapin-webhook.receiver.js';
import { WebhookRequestVerifier } from './receiving/webhook-request.verifier.js';
import { LastAcceptedDelivery } from './recovery/last-accepted-delivery.js';
import { StartupRecovery } from './recovery/startup-recovery.js';
import { RegistrationHealth } from './health/registration-health.js';
import { TelemetryGauges } from './telemetry/telemetry-gauges.js';
import { PayloadChecks } from './validation/payload-checks.js';
import { WAZAPIN_MESSAGE_READER, WAZAPIN_OPTIONS } from './wazapin-webhooks.constants.js';
import { ConfigurableModuleClass } from './wazapin-webhooks.module-definition.js';
import type { ResolvedWazapinWebhooksOptions } from './wazapin-webhooks.options.js';
import {
  deadLetterSourceProvider,
  deadLetterStoreProvider,
  dispatcherProvider,
  idempotencyStoreProvider,
  optionsProvider,
  statusOrderProvider,
  telemetryProvider,
} from './wazapin-webhooks.providers.js';

/**
 * Receives Wazapin webhooks (a signed-delivery route, deduplication, dispatch to
 * `@OnWazapinEvent` handlers) and provides `WazapinWebhooksApiService`. Register with
 * `forRoot(options)` or `forRootAsync({ useFactory, inject })`, once per Wazapin account, each
 * with a `name` of its own. What the definition fixes adds the rest (see the module
 * definition): the route, the verifier, in `dispatch: 'queue'` the queue's producer and worker,
 * and the API client's exports.
 *
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    optionsProvider,
    telemetryProvider,
    TelemetryGauges,
    idempotencyStoreProvider,
    WebhookRequestVerifier,
    BodyReadFailureHandler,
    WazapinHandlerExplorer,
    WazapinEventEmitter,
    WazapinEventDispatcher,
    HandlerLedger,
    DeliveryClaims,
    statusOrderProvider,
    PayloadChecks,
    deadLetterStoreProvider,
    StoredDeadLetters,
    deadLetterSourceProvider,
    WazapinDeadLetters,
    dispatcherProvider,
    WazapinWebhookReceiver,
    {
      provide: WAZAPIN_API_OPTIONS,
      inject: [WAZAPIN_OPTIONS],
      useFactory: (options: ResolvedWazapinWebhooksOptions) => options.api,
    },
    WazapinWebhooksApiService,
    // The receiving path reads messages through this, so it depends on no part of the API client.
    { provide: WAZAPIN_MESSAGE_READER, useExisting: WazapinWebhooksApiService },
    WazapinEndpointRegistrar,
    LastAcceptedDelivery,
    StartupRecovery,
    RegistrationHealth,
  ],
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
