/**
 * Payloads of the catalogued events. Wazapin documents only some fields; every payload
 * keeps the fields it was sent, known or not.
 */
interface WazapinPayloadBase {
  [field: string]: unknown;
}

/** Delivery status of an outbound message. */
export type WazapinMessageStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface WazapinMessageNewPayload extends WazapinPayloadBase {
  message_id: string;
  conversation_id: string;
  contact_id?: string;
  channel_id?: string;
  direction: 'inbound' | 'outbound';
  from_phone?: string;
  msg_type?: string;
}

export interface WazapinMessageSentPayload extends WazapinPayloadBase {
  message_id: string;
  conversation_id: string;
  contact_id?: string;
  channel_id?: string;
  direction?: 'outbound';
  to_phone?: string;
  msg_type?: string;
}

export interface WazapinMessageStatusUpdatePayload extends WazapinPayloadBase {
  message_id: string;
  conversation_id?: string;
  status: WazapinMessageStatus | (string & {});
  organization_id?: string;
}

export interface WazapinConversationUpdatedPayload extends WazapinPayloadBase {
  conversation_id: string;
  contact_id?: string;
  status?: string;
  assignee_id?: string | null;
}

export interface WazapinContactUpdatedPayload extends WazapinPayloadBase {
  contact_id: string;
  name?: string;
  phone?: string;
}

export interface WazapinTemplateStatusUpdatePayload extends WazapinPayloadBase {
  template_id?: string;
  template_name?: string;
  language?: string;
  status: string;
  reason?: string | null;
}

/** Payload type of each catalogued event type. */
export interface WazapinEventPayloadMap {
  'message.new': WazapinMessageNewPayload;
  'message.sent': WazapinMessageSentPayload;
  'message.status_update': WazapinMessageStatusUpdatePayload;
  'conversation.updated': WazapinConversationUpdatedPayload;
  'contact.updated': WazapinContactUpdatedPayload;
  'template.status_update': WazapinTemplateStatusUpdatePayload;
}
