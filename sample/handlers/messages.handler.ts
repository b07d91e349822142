import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';
import { DeliveryJournal } from '../journal/delivery-journal.js';

const short = (id: string | undefined) => (id ? id.slice(0, 8) : '?');

/** Messages: inbound ones, the workspace's replies, and their delivery statuses. */
@Injectable()
export class MessagesHandler {
  constructor(private readonly journal: DeliveryJournal) {}

  @OnWazapinEvent('message.new')
  onNewMessage(event: WazapinEvent<'message.new'>): void {
    const { direction, msg_type, from_phone, conversation_id, message_id } = event.payload;
    // message.new carries metadata only; a real handler fetches the text with GET /v1/messages/{message_id}.
    this.journal.record(
      event,
      'MessagesHandler.onNewMessage',
      `${direction} ${msg_type ?? 'message'} ${short(message_id)} from +${from_phone ?? '?'} in conversation ${short(conversation_id)}`,
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
