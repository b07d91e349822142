import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';
import { DeliveryJournal } from '../journal/delivery-journal.js';

const short = (id: string | undefined) => (id ? id.slice(0, 8) : '?');

/** Messages: inbound ones, the workspace's replies, and their delivery statuses. */
@Injectable()
export class MessagesHandler {
  constructor(private readonly journal: DeliveryJournal) {}

  @OnWazapinEvent('message.new')
  async onNewMessage(event: WazapinEvent<'message.new'>): Promise<void> {
    const { direction, msg_type, from_phone, conversation_id, message_id } = event.payload;
    // message.new carries metadata only: the text is one call away (GET /v1/messages/{message_id}).
    // Wazapin's own test deliveries name messages that do not exist, so a failure is said, not thrown.
    const text = await event.fetchMessage().then(
      (message) => (typeof message.text === 'string' ? `"${message.text}"` : '(no text)'),
      (error: unknown) => `(text not available: ${error instanceof Error ? error.message : String(error)})`,
    );
    this.journal.record(
      event,
      'MessagesHandler.onNewMessage',
      `${direction} ${msg_type ?? 'message'} ${short(message_id)} from +${from_phone ?? '?'} in conversation ${short(conversation_id)}: ${text}`,
    );
  }

  @OnWazapinEvent('message.sent')
  onMessageSent(event: WazapinEvent<'message.sent'>): void {
    const { message_id, to_phone, msg_type } = event.payload;
    this.journal.record(event, 'MessagesHandler.onMessageSent', `${msg_type ?? 'message'} ${short(message_id)} sent to +${to_phone ?? '?'}`);
  }

  @OnWazapinEvent('message.status_update')
  onStatusUpdate(event: WazapinEvent<'message.status_update'>): void {
    const { message_id, status } = event.payload;
    this.journal.record(event, 'MessagesHandler.onStatusUpdate', `message ${short(message_id)} is now ${status}`);
  }
}
