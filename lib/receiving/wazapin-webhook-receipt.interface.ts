/**
 * What the webhook route answers with a 2xx: `{"received":true}`, with `"duplicate":true` for a
 * delivery already handled, `"stale":true` for a status update `statusOrder: 'drop'` kept from
 * the handlers, `"invalid":true` for a payload `validatePayloads` refused.
 *
 * @publicApi
 */
export interface WazapinWebhookReceipt {
  received: true;
  /** Set when this delivery was already handled and its handlers did not run again. */
  duplicate?: true;
  /** Set when `statusOrder: 'drop'` found a higher status of the message handled already. */
  stale?: true;
  /** Set when `validatePayloads` found the payload invalid: only wildcard handlers ran. */
  invalid?: true;
}
