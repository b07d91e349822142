/**
 * What the webhook route answers with a 2xx: `{"received":true}`, with `"duplicate":true` for a
 * delivery already handled.
 *
 * @publicApi
 */
export interface WazapinWebhookReceipt {
  received: true;
  /** Set when this delivery was already handled and its handlers did not run again. */
  duplicate?: true;
}
