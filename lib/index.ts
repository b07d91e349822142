export * from './events/infer-event-type.js';
export type * from './events/wazapin-event-payloads.interface.js';
export * from './events/wazapin-event-type.js';
export type * from './events/wazapin-event.interface.js';
export type * from './events/wazapin-handler.interface.js';
export * from './events/on-wazapin-event.decorator.js';
export type * from './idempotency/idempotency-store.interface.js';
export * from './idempotency/in-memory-idempotency.store.js';
export type * from './interfaces/wazapin-webhooks-options.interface.js';
export type { WazapinWebhookReceipt } from './receiving/wazapin-webhook.receiver.js';
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
