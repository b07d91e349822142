import { randomUUID } from 'node:crypto';
import type { WazapinKnownEventType } from '../../lib/index.js';

/** One event of the day. */
export interface ScriptedStep {
  title: string;
  type: WazapinKnownEventType;
  payload: Record<string, unknown>;
  /** The CRM fails the next call, so the handler fails once and Wazapin's retry succeeds. */
  crmDown?: boolean;
  /** The text of the message a message event names, which the emulator then serves at GET /v1/messages/{id}. */
  text?: string;
}

/** A short day at a help desk on WhatsApp: one conversation, start to finish, and a template review. */
export function scriptedDay(): ScriptedStep[] {
  const conversation = randomUUID();
  const contact = randomUUID();
  const inbound = randomUUID();
  const reply = randomUUID();
  const phone = '6281234567890';
  const status = (value: string) => ({ message_id: reply, conversation_id: conversation, status: value, organization_id: 'org_sample' });
  return [
    {
      title: 'Siti writes in',
      type: 'message.new',
      payload: { message_id: inbound, conversation_id: conversation, contact_id: contact, channel_id: 'wzp_sample', direction: 'inbound', from_phone: phone, msg_type: 'text' },
      text: 'Halo, pesanan saya sudah dikirim?',
    },
    {
      title: 'An agent replies',
      type: 'message.sent',
      payload: { message_id: reply, conversation_id: conversation, contact_id: contact, channel_id: 'wzp_sample', direction: 'outbound', to_phone: phone, msg_type: 'text' },
    },
    { title: 'The reply is sent', type: 'message.status_update', payload: status('sent') },
    { title: 'The reply is delivered', type: 'message.status_update', payload: status('delivered') },
    { title: 'Siti reads it', type: 'message.status_update', payload: status('read') },
    {
      title: 'The conversation is assigned',
      type: 'conversation.updated',
      payload: { conversation_id: conversation, contact_id: contact, status: 'open', assignee_id: 'agent_dewi' },
    },
    {
      title: 'Siti is renamed while the CRM is down',
      type: 'contact.updated',
      payload: { contact_id: contact, name: 'Siti Rahma', phone },
      crmDown: true,
    },
    {
      title: 'A template is approved',
      type: 'template.status_update',
      payload: { template_id: 'tpl_order_confirmation', template_name: 'order_confirmation', language: 'id', status: 'approved', reason: null },
    },
  ];
}
