export * from './api/dto/create-endpoint.dto.js';
export * from './api/dto/list-deliveries-query.dto.js';
export * from './api/dto/retry-delivery.dto.js';
export * from './api/dto/send-test-delivery.dto.js';
export * from './api/dto/sync-endpoint.dto.js';
export * from './api/dto/update-endpoint.dto.js';
export type * from './api/interfaces/wazapin-api-options.interface.js';
export type * from './api/interfaces/wazapin-delivery.interface.js';
export type * from './api/interfaces/wazapin-endpoint-sync-result.interface.js';
export type * from './api/interfaces/wazapin-endpoint.interface.js';
export type * from './api/interfaces/wazapin-page.interface.js';
export * from './api/wazapin-api-env.js';
export * from './api/wazapin-api.error.js';
export { WAZAPIN_API_BASE_URL } from './api/wazapin-api.settings.js';
export * from './api/wazapin-validation.error.js';
export * from './api/wazapin-webhooks-api.service.js';
export * from './events/infer-event-type.js';
export type * from './events/wazapin-event-payloads.interface.js';
export * from './events/wazapin-event-type.js';
export type * from './events/wazapin-event.interface.js';
export type * from './events/wazapin-handler.interface.js';
export * from './events/wazapin-handler-timeout.error.js';
export * from './events/on-wazapin-event.decorator.js';
export type * from './idempotency/idempotency-store.interface.js';
export * from './idempotency/in-memory-idempotency.store.js';
export * from './idempotency/redis-idempotency.store.js';
export type * from './interfaces/wazapin-webhooks-options.interface.js';
export type { WazapinQueuedDelivery } from './queue/queued-delivery.js';
export type * from './queue/wazapin-queue-failure.interface.js';
export type * from './queue/wazapin-queue-options.interface.js';
export type { WazapinWebhookReceipt } from './receiving/wazapin-webhook.receiver.js';
export type * from './redis/wazapin-redis-connection.interface.js';
export * from './signature/native-webhook-verifier.js';
export * from './signature/svix-webhook-verifier.js';
export * from './signature/webhook-headers.js';
export type * from './signature/webhook-verifier.interface.js';
export * from './wazapin-configuration.error.js';
export {
  WAZAPIN_DEFAULT_PATH,
  WAZAPIN_UNKNOWN_EVENT,
  WAZAPIN_WILDCARD,
  WazapinWebhookEvents,
} from './wazapin-webhooks.constants.js';
export * from './wazapin-webhooks.module.js';
