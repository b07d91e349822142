/**
 * A WhatsApp message as `GET /v1/messages/{messageId}` returns it: the content that a
 * `message.new` or `message.sent` event names by its `message_id` (the event carries metadata
 * only). The API does not publish the model: the fields known are typed, and every field it
 * sends is kept.
 *
 * @publicApi
 */
export interface WazapinMessage {
  readonly id: string;
  readonly conversation_id?: string;
  /** `'inbound'` (from the contact) or `'outbound'`, as far as known. */
  readonly direction?: string;
  /** `'text'`, `'image'`, … as in the event's `msg_type`. */
  readonly msg_type?: string;
  /** The text of a text message (or a media message's caption), when it has one. */
  readonly text?: string | null;
  /** A media message's attachment, as the API describes it. */
  readonly media?: unknown;
  /** ISO 8601. */
  readonly created_at?: string;
  readonly [field: string]: unknown;
}
