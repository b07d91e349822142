import type { WazapinWebhookReceipt } from './wazapin-webhook-receipt.interface.js';

/** The receipts the route answers with, one object each, so their JSON is written once. */
export const RECEIVED: WazapinWebhookReceipt = Object.freeze({ received: true });
export const DUPLICATE: WazapinWebhookReceipt = Object.freeze({ received: true, duplicate: true });
export const STALE: WazapinWebhookReceipt = Object.freeze({ received: true, stale: true });
export const INVALID: WazapinWebhookReceipt = Object.freeze({ received: true, invalid: true });
