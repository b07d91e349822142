import type { IncomingHeaders } from '../signature/webhook-headers.js';
import type { WAZAPIN_VERIFIED_DELIVERY } from '../wazapin-webhooks.constants.js';
import type { VerifiedDelivery } from './verified-delivery.interface.js';

/** What the module reads of an Express or Fastify request. */
export interface WebhookRequest {
  headers: IncomingHeaders;
  /** Set by Nest when the app is created with `rawBody: true`. */
  rawBody?: Buffer;
  [WAZAPIN_VERIFIED_DELIVERY]?: VerifiedDelivery;
}
