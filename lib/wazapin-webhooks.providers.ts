import type { FactoryProvider, Provider } from '@nestjs/common';
import { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import type { DeadLetterSource } from './dead-letters/dead-letter-source.interface.js';
import type { DeadLetterStore } from './dead-letters/dead-letter-store.interface.js';
import { InMemoryDeadLetterStore } from './dead-letters/in-memory-dead-letter.store.js';
import { RedisDeadLetterStore } from './dead-letters/redis-dead-letter.store.js';
import { StoredDeadLetters } from './dead-letters/stored-dead-letters.js';
import { checkWazapinRegistrations, wazapinRegistrations } from './accounts/wazapin-registrations.js';
import { BackgroundDispatcher } from './dispatch/background.dispatcher.js';
import { InlineDispatcher } from './dispatch/inline.dispatcher.js';
import type { WazapinDispatcher } from './dispatch/wazapin-dispatcher.interface.js';
import { WazapinEventDispatcher } from './events/wazapin-event.dispatcher.js';
import type { IdempotencyStore } from './idempotency/idempotency-store.interface.js';
import type { WazapinWebhooksModuleOptions } from './interfaces/wazapin-webhooks-options.interface.js';
import { InMemoryIdempotencyStore } from './idempotency/in-memory-idempotency.store.js';
import { RedisIdempotencyStore } from './idempotency/redis-idempotency.store.js';
import { QueuedDeadLetters } from './queue/queued-dead-letters.js';
import { QueueDispatcher } from './queue/queue.dispatcher.js';
import { WazapinDeliveryQueue } from './queue/wazapin-delivery.queue.js';
import { WazapinDeliveryWorker } from './queue/wazapin-delivery.worker.js';
import { HandlerLedger } from './receiving/handler-ledger.js';
import { StatusOrder } from './status-order/status-order.js';
import { WazapinEventEmitter } from './events/wazapin-event-emitter.js';
import { createWebhookVerifier } from './signature/create-webhook-verifier.js';
import type { WebhookVerifier } from './signature/webhook-verifier.interface.js';
import { loadOpenTelemetry } from './telemetry/load-opentelemetry.js';
import { OpenTelemetryInstrumentation } from './telemetry/open-telemetry.instrumentation.js';
import { NO_TELEMETRY, type WazapinTelemetry } from './telemetry/wazapin-telemetry.interface.js';
import { warnAboutShortFastifyParams } from './tenants/fastify-param-length.js';
import { TenantVerifiers } from './tenants/tenant-verifiers.js';
import {
  WAZAPIN_DEAD_LETTER_SOURCE,
  WAZAPIN_DEAD_LETTER_STORE,
  WAZAPIN_DISPATCHER,
  WAZAPIN_IDEMPOTENCY_STORE,
  WAZAPIN_MODULE_DEFINITION,
  WAZAPIN_OPTIONS,
  WAZAPIN_STATUS_ORDER,
  WAZAPIN_TELEMETRY,
  WAZAPIN_WEBHOOK_VERIFIER,
  WAZAPIN_WEBHOOKS_MODULE_OPTIONS,
} from './wazapin-webhooks.constants.js';
import {
  resolveWazapinWebhooksOptions,
  type ResolvedWazapinWebhooksOptions,
  type WazapinModuleDefinition,
} from './wazapin-webhooks.options.js';

/**
 * The options, resolved once from those given and what the module definition fixed, once the
 * app's registrations are known to go together (names and routes their own).
 */
export const optionsProvider: FactoryProvider<ResolvedWazapinWebhooksOptions> = {
  provide: WAZAPIN_OPTIONS,
  inject: [WAZAPIN_WEBHOOKS_MODULE_OPTIONS, WAZAPIN_MODULE_DEFINITION, ModulesContainer],
  useFactory: (options: WazapinWebhooksModuleOptions, definition: WazapinModuleDefinition, modules: ModulesContainer) => {
    checkWazapinRegistrations(wazapinRegistrations(modules));
    return resolveWazapinWebhooksOptions(options, definition);
  },
};

/** The verifier of the configured secrets; a `tenants` registration has {@link tenantVerifiersProvider} instead. */
export const verifierProvider: FactoryProvider<WebhookVerifier> = {
  provide: WAZAPIN_WEBHOOK_VERIFIER,
  inject: [WAZAPIN_OPTIONS],
  useFactory: (options: ResolvedWazapinWebhooksOptions) => createWebhookVerifier(options.verifier, options),
};

/**
 * The verifier of each tenant, with `tenants` only. One is made at startup, so a verifier that
 * cannot work fails boot.
 */
export const tenantVerifiersProvider: FactoryProvider<TenantVerifiers> = {
  provide: TenantVerifiers,
  inject: [WAZAPIN_OPTIONS, { token: HttpAdapterHost, optional: true }],
  useFactory: ({ account, tenants, verifier, toleranceSeconds }: ResolvedWazapinWebhooksOptions, adapterHost?: HttpAdapterHost) => {
    const create = (keys: readonly Buffer[]) => createWebhookVerifier(verifier, { keys, toleranceSeconds });
    create([randomBytes(32)]);
    warnAboutShortFastifyParams(adapterHost, account);
    return new TenantVerifiers(tenants!, create);
  },
};

export const idempotencyStoreProvider: FactoryProvider<IdempotencyStore> = {
  provide: WAZAPIN_IDEMPOTENCY_STORE,
  inject: [WAZAPIN_OPTIONS],
  useFactory: ({ idempotency }: ResolvedWazapinWebhooksOptions) =>
    idempotency.store ?? new InMemoryIdempotencyStore({ maxEntries: idempotency.maxEntries }),
};

/**
 * The registration's {@link StatusOrder} with `statusOrder`, `null` without: the receiving path
 * then spends one comparison on it. A store that cannot keep ranks fails boot here.
 */
export const statusOrderProvider: FactoryProvider<StatusOrder | null> = {
  provide: WAZAPIN_STATUS_ORDER,
  inject: [WAZAPIN_OPTIONS, WAZAPIN_IDEMPOTENCY_STORE, WazapinEventEmitter, HandlerLedger],
  useFactory: (options: ResolvedWazapinWebhooksOptions, store: IdempotencyStore, events: WazapinEventEmitter, ledger: HandlerLedger) =>
    options.statusOrder ? new StatusOrder(options, store, events, ledger) : null,
};

/**
 * Where dead letters are kept: in Redis, on the connection of a `RedisIdempotencyStore` and under
 * its key prefix, so they survive restarts and every instance sees them; in memory otherwise.
 */
export const deadLetterStoreProvider: FactoryProvider<DeadLetterStore> = {
  provide: WAZAPIN_DEAD_LETTER_STORE,
  inject: [WAZAPIN_OPTIONS, WAZAPIN_IDEMPOTENCY_STORE],
  useFactory: ({ account, deadLetters }: ResolvedWazapinWebhooksOptions, store: IdempotencyStore) =>
    store instanceof RedisIdempotencyStore
      ? new RedisDeadLetterStore(store, account, deadLetters.maxEntries)
      : new InMemoryDeadLetterStore(deadLetters.maxEntries),
};

/** What `WazapinDeadLetters` reads: BullMQ's failed jobs in `dispatch: 'queue'`, the dead-letter store otherwise. */
export const deadLetterSourceProvider: FactoryProvider<DeadLetterSource> = {
  provide: WAZAPIN_DEAD_LETTER_SOURCE,
  inject: [WAZAPIN_OPTIONS, StoredDeadLetters, { token: QueuedDeadLetters, optional: true }],
  useFactory: (options: ResolvedWazapinWebhooksOptions, stored: StoredDeadLetters, queued?: QueuedDeadLetters) =>
    options.dispatch === 'queue' ? (queued as QueuedDeadLetters) : stored,
};

/** The dispatcher of the configured mode; the queue's exists in `dispatch: 'queue'` only. */
export const dispatcherProvider: FactoryProvider<WazapinDispatcher> = {
  provide: WAZAPIN_DISPATCHER,
  inject: [WAZAPIN_OPTIONS, WazapinEventDispatcher, HandlerLedger, StoredDeadLetters, { token: WazapinDeliveryQueue, optional: true }],
  useFactory: (
    options: ResolvedWazapinWebhooksOptions,
    handlers: WazapinEventDispatcher,
    ledger: HandlerLedger,
    deadLetters: StoredDeadLetters,
    queue?: WazapinDeliveryQueue,
  ) => {
    switch (options.dispatch) {
      case 'inline':
        return new InlineDispatcher(handlers, ledger);
      case 'queue':
        return new QueueDispatcher(queue as WazapinDeliveryQueue);
      case 'background':
        return new BackgroundDispatcher(handlers, deadLetters, options.handlerRetries!, options.shutdownTimeoutMs);
    }
  },
};

/** The registration's telemetry: through `@opentelemetry/api` when the app has it, none otherwise. */
export const telemetryProvider: FactoryProvider<WazapinTelemetry> = {
  provide: WAZAPIN_TELEMETRY,
  inject: [WAZAPIN_OPTIONS],
  useFactory: async ({ account }: ResolvedWazapinWebhooksOptions) => {
    const api = await loadOpenTelemetry();
    return api ? new OpenTelemetryInstrumentation(api, account) : NO_TELEMETRY;
  },
};

/** The BullMQ producer and worker, registered in `dispatch: 'queue'` only. */
export const queueProviders: Provider[] = [WazapinDeliveryQueue, WazapinDeliveryWorker, QueuedDeadLetters];
