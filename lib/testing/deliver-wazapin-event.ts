import { randomBytes } from 'node:crypto';
import type { WazapinEventPayload } from '../events/wazapin-event.interface.js';
import type { WazapinEventType } from '../events/wazapin-event-type.js';
import { postWebhook, WEBHOOK_TIMEOUT_MS } from './post-webhook.js';
import { sampleWazapinPayload, type WazapinPayloadOverrides } from './sample-wazapin-payload.js';
import { type SignedWazapinDelivery, signWazapinDelivery } from './sign-wazapin-delivery.js';

/**
 * How a delivery names its event type:
 * - `'path'`: the flat payload is posted to `<url>/<event type>` (one endpoint per type);
 * - `'envelope'`: `{ event_id, event_type, data }` is posted to `<url>`;
 * - `'flat'`: the flat payload is posted to `<url>`; the receiver resolves the type from its
 *   event type header or the payload's shape.
 *
 * @publicApi
 */
export type WazapinDeliveryShape = 'path' | 'envelope' | 'flat';

/**
 * How to sign and send one delivery.
 *
 * @publicApi
 */
export interface WazapinDeliveryOptions {
  /** Default `'path'`. */
  shape?: WazapinDeliveryShape;
  /** Delivery id. Default: a fresh `msg_...` id. Reuse one to play a platform retry. */
  id?: string;
  /** Unix seconds, or a Date. Default: now. */
  timestamp?: number | Date;
  /** Header family. Default `'svix'`. */
  headers?: 'svix' | 'webhook';
  /** Extra request headers, e.g. a configured event type header. */
  extraHeaders?: Readonly<Record<string, string>>;
  /** Default 15 s, as the platform waits. */
  timeoutMs?: number;
}

/**
 * Input of {@link deliverWazapinEvent}.
 *
 * @publicApi
 */
export interface DeliverWazapinEventInput<T extends WazapinEventType> extends WazapinDeliveryOptions {
  /** The webhook route's URL, e.g. `http://127.0.0.1:3000/webhooks/wazapin`. */
  url: string;
  /** Signing secret(s) the receiver is configured with (or others, to test a rejection). */
  secret?: string;
  secrets?: string | string[];
  type: T;
  /** Fields set on top of a sample payload of `type` (see `sampleWazapinPayload`). */
  payload?: WazapinPayloadOverrides<T>;
}

/**
 * What was sent and what the receiver answered.
 *
 * @publicApi
 */
export interface WazapinDeliveryResult<T extends WazapinEventType = WazapinEventType> {
  /** HTTP status of the answer. */
  status: number;
  /** The answer's body: parsed when it is JSON, else the text. */
  body: unknown;
  /** Where the delivery was posted. */
  url: string;
  /** The event's payload as sent (for an envelope, its `data`). */
  payload: WazapinEventPayload<T>;
  /** The signed request: id, timestamp, body and headers. */
  delivery: SignedWazapinDelivery;
}

/** The URL and body of a delivery of `payload` in `shape`. */
export function wazapinDeliveryRequest(
  url: string,
  type: string,
  payload: Readonly<Record<string, unknown>>,
  shape: WazapinDeliveryShape = 'path',
): { url: string; body: string } {
  switch (shape) {
    case 'path':
      return { url: `${url.replace(/\/+$/, '')}/${encodeURIComponent(type)}`, body: JSON.stringify(payload) };
    case 'envelope':
      return {
        url,
        body: JSON.stringify({ event_id: `evt_${randomBytes(12).toString('base64url')}`, event_type: type, data: payload }),
      };
    case 'flat':
      return { url, body: JSON.stringify(payload) };
    default:
      throw new Error(`Unknown delivery shape "${String(shape)}"; use "path", "envelope" or "flat"`);
  }
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Signs an event as Wazapin does and POSTs it to a running app's webhook route over HTTP,
 * resolving with the answer. Use it to test an app you boot yourself; for a module built for
 * the test, `createWazapinTestingModule` does the booting.
 *
 * @example
 * ```ts
 * const result = await deliverWazapinEvent({ url: `${baseUrl}/webhooks/wazapin`, secret, type: 'message.new' });
 * expect(result.status).toBe(200);
 * ```
 *
 * @publicApi
 */
export async function deliverWazapinEvent<T extends WazapinEventType>(
  input: DeliverWazapinEventInput<T>,
): Promise<WazapinDeliveryResult<T>> {
  const payload = sampleWazapinPayload(input.type, input.payload);
  const request = wazapinDeliveryRequest(input.url, input.type, payload, input.shape);
  const delivery = signWazapinDelivery({
    secret: input.secret,
    secrets: input.secrets,
    body: request.body,
    id: input.id,
    timestamp: input.timestamp,
    headers: input.headers,
  });
  const answer = await postWebhook(
    request.url,
    delivery.body,
    { ...input.extraHeaders, ...delivery.headers },
    input.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
  );
  return { status: answer.status, body: parseAnswer(answer.text), url: request.url, payload, delivery };
}
