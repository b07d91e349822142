import type { IncomingHeaders } from '../signature/webhook-headers.js';

/** What the module reads of an Express or Fastify request. */
export interface WebhookRequest {
  headers: IncomingHeaders;
  /** Set by Nest when the app is created with `rawBody: true`. */
  rawBody?: Buffer;
  /** The route's parameters, once routed (`tenant`, `eventType`). */
  params?: Readonly<Record<string, string | undefined>>;
}
