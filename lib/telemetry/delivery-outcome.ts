import { HttpException } from '@nestjs/common';
import { DUPLICATE, INVALID, RECEIVED, STALE } from '../receiving/receipts.js';
import type { WazapinWebhookReceipt } from '../receiving/wazapin-webhook-receipt.interface.js';
import { isInstance } from '../utils/is-instance.js';

/**
 * What became of a request to the webhook route, as traces and metrics report it:
 * - `accepted`: answered `{"received":true}`;
 * - `duplicate`: a delivery already handled (200) or being handled right now (409);
 * - `stale`: a status update `statusOrder: 'drop'` kept from the handlers;
 * - `invalid`: a signed delivery whose body or payload is not one (`validatePayloads`, not a
 *   JSON object, or that no queue can hold);
 * - `rejected`: the request failed a check before it counted as a delivery (see {@link WazapinRejection});
 * - `unavailable`: answered 503 (store or queue unreachable, shutting down), for the platform to retry;
 * - `failed`: answered 500: an `inline` handler failed, or something unexpected did.
 *
 * @publicApi
 */
export type WazapinDeliveryOutcome = 'accepted' | 'duplicate' | 'stale' | 'invalid' | 'rejected' | 'unavailable' | 'failed';

/**
 * Which check a rejected request failed, as traces (`wazapin.rejection`) and metrics (`rejection`) name it.
 *
 * @publicApi
 */
export type WazapinRejection =
  | 'unknown-tenant'
  | 'media-type'
  | 'too-large'
  | 'headers-missing'
  | 'invalid-timestamp'
  | 'timestamp-too-old'
  | 'timestamp-too-new'
  | 'no-matching-signature'
  | 'body-not-utf8'
  | 'body-unreadable'
  | 'invalid-event-type'
  | 'raw-body-missing';

/** An outcome as an exception that answers it carries it. */
export interface DeliveryOutcome {
  readonly outcome: WazapinDeliveryOutcome;
  readonly rejection?: WazapinRejection;
}

/** Where an exception the receiving path throws says what it answers. */
const OUTCOME = Symbol('wazapin:outcome');

/** `exception`, marked with the outcome it answers. */
export function answering<E extends HttpException>(exception: E, outcome: WazapinDeliveryOutcome, rejection?: WazapinRejection): E {
  (exception as E & { [OUTCOME]?: DeliveryOutcome })[OUTCOME] = { outcome, rejection };
  return exception;
}

/** `exception` marked as a rejection for failing `check`. */
export function rejecting<E extends HttpException>(exception: E, check: WazapinRejection): E {
  return answering(exception, 'rejected', check);
}

const RECEIPT_OUTCOMES = new Map<WazapinWebhookReceipt, WazapinDeliveryOutcome>([
  [RECEIVED, 'accepted'],
  [DUPLICATE, 'duplicate'],
  [STALE, 'stale'],
  [INVALID, 'invalid'],
]);

/** The outcome of a request answered with `receipt`. */
export function receiptOutcome(receipt: WazapinWebhookReceipt): WazapinDeliveryOutcome {
  return RECEIPT_OUTCOMES.get(receipt) ?? 'accepted';
}

/** The status `error` answers, and the outcome that is: as marked, else as its status says. */
export function errorOutcome(error: unknown): DeliveryOutcome & { status: number } {
  if (!isInstance(error, HttpException)) {
    return { outcome: 'failed', status: 500 };
  }
  const status = error.getStatus();
  const marked = (error as HttpException & { [OUTCOME]?: DeliveryOutcome })[OUTCOME];
  if (marked) {
    return { ...marked, status };
  }
  switch (status) {
    case 409:
      return { outcome: 'duplicate', status };
    case 422:
      return { outcome: 'invalid', status };
    case 503:
      return { outcome: 'unavailable', status };
    default:
      return { outcome: status >= 500 ? 'failed' : 'rejected', status };
  }
}
