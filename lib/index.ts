// The package's public surface: every name here is documented in README.md and tagged
// `@publicApi` where it is declared (test/unit/public-surface.spec.ts holds both to it).

// The module, its options and its configuration error
export { WazapinWebhooksModule } from './wazapin-webhooks.module.js';
export type {
  WazapinDispatchMode,
  WazapinIdempotencyOptions,
  WazapinRouteVersion,
  WazapinStatusOrder,
  WazapinWebhooksModuleExtras,
  WazapinWebhooksModuleOptions,
  WazapinWebhooksOptionsFactory,
} from './interfaces/wazapin-webhooks-options.interface.js';
export { WazapinConfigurationError } from './wazapin-configuration.error.js';

// Several accounts (named registrations) and tenants
export { WAZAPIN_DEFAULT_ACCOUNT } from './accounts/wazapin-account.js';
export { getWazapinApiToken, InjectWazapinApi } from './accounts/inject-wazapin-api.decorator.js';
export type { WazapinTenantSecretsResolver, WazapinTenantsOptions } from './tenants/wazapin-tenants-options.interface.js';

// Handlers and the events they receive
export { OnWazapinEvent } from './events/on-wazapin-event.decorator.js';
export type { WazapinHandledEvent, WazapinHandlerDecorator, WazapinHandlerOptions } from './events/on-wazapin-event.decorator.js';
export type {
  WazapinEvent,
  WazapinEventPayload,
  WazapinEventTypeSource,
  WazapinMessageEventMethods,
  WazapinStatusEventFields,
} from './events/wazapin-event.interface.js';
export { WAZAPIN_EVENT_TYPES } from './events/wazapin-event-type.js';
export type { WazapinEventType, WazapinKnownEventType } from './events/wazapin-event-type.js';
export type {
  WazapinContactUpdatedPayload,
  WazapinConversationUpdatedPayload,
  WazapinEventPayloadMap,
  WazapinMessageNewPayload,
  WazapinMessageSentPayload,
  WazapinMessageStatus,
  WazapinMessageStatusUpdatePayload,
  WazapinTemplateStatusUpdatePayload,
} from './events/wazapin-event-payloads.interface.js';
export type { WazapinWebhookReceipt } from './receiving/wazapin-webhook-receipt.interface.js';

// Payload validation (validatePayloads)
export { validateWazapinPayload, WAZAPIN_PAYLOAD_DTOS } from './validation/payload-validator.js';
export type { WazapinPayloadViolation } from './validation/wazapin-payload-violation.interface.js';
export { WazapinContactUpdatedPayloadDto } from './validation/dto/wazapin-contact-updated-payload.dto.js';
export { WazapinConversationUpdatedPayloadDto } from './validation/dto/wazapin-conversation-updated-payload.dto.js';
export { WazapinMessageNewPayloadDto } from './validation/dto/wazapin-message-new-payload.dto.js';
export { WazapinMessageSentPayloadDto } from './validation/dto/wazapin-message-sent-payload.dto.js';
export { WazapinMessageStatusUpdatePayloadDto } from './validation/dto/wazapin-message-status-update-payload.dto.js';
export { WazapinTemplateStatusUpdatePayloadDto } from './validation/dto/wazapin-template-status-update-payload.dto.js';

// Failures: the events the module emits, and what they carry
export { WazapinWebhookEvents } from './wazapin-webhooks.constants.js';
export type { WazapinHandlerFailure } from './events/wazapin-handler.interface.js';
export { WazapinHandlerTimeoutError } from './events/wazapin-handler-timeout.error.js';
export type { WazapinQueueJobFailure } from './queue/wazapin-queue-failure.interface.js';
export type { WazapinStaleStatus } from './status-order/wazapin-stale-status.interface.js';
export type { WazapinPayloadInvalid } from './validation/wazapin-payload-invalid.interface.js';

// Retries of failed handlers (`dispatch: 'background'`) and dead letters
export type { WazapinHandlerRetryOptions } from './dispatch/handler-retries.config.js';
export { WazapinDeadLetters } from './dead-letters/wazapin-dead-letters.service.js';
export { getWazapinDeadLettersToken, InjectWazapinDeadLetters } from './dead-letters/inject-wazapin-dead-letters.decorator.js';
export type { WazapinDeadLetterOptions } from './dead-letters/wazapin-dead-letter-options.interface.js';
export type {
  WazapinDeadLetter,
  WazapinDeadLetterList,
  WazapinDeadLetterListOptions,
  WazapinDeadLetterReplay,
  WazapinDeadLetterReplayAll,
  WazapinDeadLetterReplayOutcome,
} from './dead-letters/wazapin-dead-letter.interface.js';

// Observability: health for @nestjs/terminus; what traces and metrics name outcomes
export { WazapinHealthIndicator } from './health/wazapin-health.indicator.js';
export type {
  WazapinHealthCheckOptions,
  WazapinHealthIndicatorResult,
  WazapinHealthStatus,
  WazapinRegistrationHealth,
} from './health/wazapin-health-options.interface.js';
export type { WazapinDeliveryOutcome, WazapinRejection } from './telemetry/delivery-outcome.js';

// Deduplication stores, and the Redis connection the Redis store and the queue take
export type { IdempotencyClaim, IdempotencyStore, StatusClaim } from './idempotency/idempotency-store.interface.js';
export { InMemoryIdempotencyStore } from './idempotency/in-memory-idempotency.store.js';
export type { InMemoryIdempotencyStoreOptions } from './idempotency/in-memory-idempotency.store.js';
export { RedisIdempotencyStore } from './idempotency/redis-idempotency.store.js';
export type { RedisIdempotencyStoreOptions } from './idempotency/redis-idempotency.store.js';
export type { WazapinRedisClient, WazapinRedisConnection } from './redis/wazapin-redis-connection.interface.js';

// Queue dispatch (`dispatch: 'queue'`)
export type {
  WazapinKeepJobs,
  WazapinQueueBackoff,
  WazapinQueueOptions,
  WazapinQueueWorkerOptions,
} from './queue/wazapin-queue-options.interface.js';
export type { WazapinQueuedDelivery } from './queue/queued-delivery.js';

// The management API client: options, inputs, results and errors
export { WazapinWebhooksApiService } from './api/wazapin-webhooks-api.service.js';
export { wazapinApiOptionsFromEnv } from './api/wazapin-api-env.js';
export type { WazapinEnvSource } from './api/wazapin-api-env.js';
export type { WazapinApiAccount, WazapinApiOptions, WazapinAutoRegisterOptions } from './api/interfaces/wazapin-api-options.interface.js';
export { CreateWazapinEndpointDto } from './api/dto/create-endpoint.dto.js';
export { UpdateWazapinEndpointDto } from './api/dto/update-endpoint.dto.js';
export { SendWazapinTestDeliveryDto } from './api/dto/send-test-delivery.dto.js';
export { ListWazapinDeliveriesQueryDto } from './api/dto/list-deliveries-query.dto.js';
export { RetryWazapinDeliveryDto } from './api/dto/retry-delivery.dto.js';
export { SyncWazapinEndpointDto } from './api/dto/sync-endpoint.dto.js';
export type { WazapinEndpoint, WazapinWebhookSettings } from './api/interfaces/wazapin-endpoint.interface.js';
export type { WazapinMessage } from './api/interfaces/wazapin-message.interface.js';
export type {
  WazapinRecoveryOptions,
  WazapinRecoveryProgress,
  WazapinRecoveryResult,
  WazapinStartupRecoveryOptions,
} from './recovery/wazapin-recovery.interface.js';
export type {
  WazapinDelivery,
  WazapinDeliveryRetry,
  WazapinDeliveryStatus,
  WazapinDeliveryTrigger,
  WazapinTestDelivery,
} from './api/interfaces/wazapin-delivery.interface.js';
export type { WazapinPage } from './api/interfaces/wazapin-page.interface.js';
export type { WazapinEndpointSyncResult } from './api/interfaces/wazapin-endpoint-sync-result.interface.js';
export { WazapinApiError } from './api/wazapin-api.error.js';
export type { WazapinApiErrorDetails } from './api/wazapin-api.error.js';
export { WazapinValidationError } from './api/wazapin-validation.error.js';
