/**
 * Payloads of the catalogued events. Wazapin documents only some fields; every payload
 * keeps the fields it was sent, known or not.
 */
interface WazapinPayloadBase {
  [field: string]: unknown;
}

/**
 * Delivery status of an outbound message.
 *
 * @publicApi
 */
export type WazapinMessageStatus = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * Payload of `message.new`: a message in a conversation, usually inbound (`from_phone` set).
 *
 * @publicApi
 */
export interface WazapinMessageNewPayload extends WazapinPayloadBase {
  message_id: string;
  conversation_id: string;
  contact_id?: string;
  channel_id?: string;
  direction: 'inbound' | 'outbound';
  from_phone?: string;
  msg_type?: string;
}

/**
 * Payload of `message.sent`: an outbound message was sent (`to_phone` set).
 *
 * @publicApi
 */
export interface WazapinMessageSentPayload extends WazapinPayloadBase {
  message_id: string;
  conversation_id: string;
  contact_id?: string;
  channel_id?: string;
  direction?: 'outbound';
  to_phone?: string;
  msg_type?: string;
}

/**
 * Payload of `message.status_update`: an outbound message's delivery status changed.
 *
 * @publicApi
 */
export interface WazapinMessageStatusUpdatePayload extends WazapinPayloadBase {
  message_id: string;
  conversation_id?: string;
  status: WazapinMessageStatus | (string & {});
  organization_id?: string;
}

/**
 * Payload of `conversation.updated`: a conversation's status or assignee changed.
 *
 * @publicApi
 */
export interface WazapinConversationUpdatedPayload extends WazapinPayloadBase {
  conversation_id: string;
  contact_id?: string;
  status?: string;
  assignee_id?: string | null;
}

/**
 * Payload of `contact.updated`: a contact's details changed (`name`, `phone`, …).
 *
 * @publicApi
 */
export interface WazapinContactUpdatedPayload extends WazapinPayloadBase {
  contact_id: string;
  name?: string;
  phone?: string;
}

/**
 * Payload of `template.status_update`: a message template's review status changed (`status`,
 * with a `reason` when there is one).
 *
 * @publicApi
 */
export interface WazapinTemplateStatusUpdatePayload extends WazapinPayloadBase {
  template_id?: string;
  template_name?: string;
  language?: string;
  status: string;
  reason?: string | null;
}

/**
 * Payload type of each catalogued event type.
 *
 * @publicApi
 */
export interface WazapinEventPayloadMap {
  'message.new': WazapinMessageNewPayload;
  'message.sent': WazapinMessageSentPayload;
  'message.status_update': WazapinMessageStatusUpdatePayload;
  'conversation.updated': WazapinConversationUpdatedPayload;
  'contact.updated': WazapinContactUpdatedPayload;
  'template.status_update': WazapinTemplateStatusUpdatePayload;
}
