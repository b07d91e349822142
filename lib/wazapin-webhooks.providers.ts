import type { FactoryProvider, Provider } from '@nestjs/common';
import { BackgroundDispatcher } from './dispatch/background.dispatcher.js';
import { InlineDispatcher } from './dispatch/inline.dispatcher.js';
import type { WazapinDispatcher } from './dispatch/wazapin-dispatcher.interface.js';
import { WazapinEventDispatcher } from './events/wazapin-event.dispatcher.js';
import type { IdempotencyStore } from './idempotency/idempotency-store.interface.js';
import { InMemoryIdempotencyStore } from './idempotency/in-memory-idempotency.store.js';
import { QueueDispatcher } from './queue/queue.dispatcher.js';
import { WazapinDeliveryQueue } from './queue/wazapin-delivery.queue.js';
import { WazapinDeliveryWorker } from './queue/wazapin-delivery.worker.js';
import { HandlerLedger } from './receiving/handler-ledger.js';
import { NativeWebhookVerifier } from './signature/native-webhook-verifier.js';
import { SvixWebhookVerifier } from './signature/svix-webhook-verifier.js';
import type { WebhookVerifier } from './signature/webhook-verifier.interface.js';
import {
  WAZAPIN_DISPATCHER,
  WAZAPIN_IDEMPOTENCY_STORE,
  WAZAPIN_MODULE_DEFINITION,
  WAZAPIN_OPTIONS,
  WAZAPIN_WEBHOOK_VERIFIER,
  WAZAPIN_WEBHOOKS_MODULE_OPTIONS,
} from './wazapin-webhooks.constants.js';
import { resolveWazapinWebhooksOptions, type ResolvedWazapinWebhooksOptions } from './wazapin-webhooks.options.js';

/** The options, resolved once from those given and what the module definition fixed. */
export const optionsProvider: FactoryProvider<ResolvedWazapinWebhooksOptions> = {
  provide: WAZAPIN_OPTIONS,
  inject: [WAZAPIN_WEBHOOKS_MODULE_OPTIONS, WAZAPIN_MODULE_DEFINITION],
  useFactory: resolveWazapinWebhooksOptions,
};

export const verifierProvider: FactoryProvider<WebhookVerifier> = {
  provide: WAZAPIN_WEBHOOK_VERIFIER,
  inject: [WAZAPIN_OPTIONS],
  useFactory: (options: ResolvedWazapinWebhooksOptions) =>
    options.verifier === 'svix' ? new SvixWebhookVerifier(options) : new NativeWebhookVerifier(options),
};

export const idempotencyStoreProvider: FactoryProvider<IdempotencyStore> = {
  provide: WAZAPIN_IDEMPOTENCY_STORE,
  inject: [WAZAPIN_OPTIONS],
  useFactory: ({ idempotency }: ResolvedWazapinWebhooksOptions) =>
    idempotency.store ?? new InMemoryIdempotencyStore({ maxEntries: idempotency.maxEntries }),
};

/** The dispatcher of the configured mode; the queue's exists in `dispatch: 'queue'` only. */
export const dispatcherProvider: FactoryProvider<WazapinDispatcher> = {
  provide: WAZAPIN_DISPATCHER,
  inject: [WAZAPIN_OPTIONS, WazapinEventDispatcher, HandlerLedger, { token: WazapinDeliveryQueue, optional: true }],
  useFactory: (options: ResolvedWazapinWebhooksOptions, handlers: WazapinEventDispatcher, ledger: HandlerLedger, queue?: WazapinDeliveryQueue) => {
    switch (options.dispatch) {
      case 'inline':
        return new InlineDispatcher(handlers, ledger);
      case 'queue':
        return new QueueDispatcher(queue as WazapinDeliveryQueue);
      case 'background':
        return new BackgroundDispatcher(handlers, options.shutdownTimeoutMs);
    }
  },
};

/** The BullMQ producer and worker, registered in `dispatch: 'queue'` only. */
export const queueProviders: Provider[] = [WazapinDeliveryQueue, WazapinDeliveryWorker];
