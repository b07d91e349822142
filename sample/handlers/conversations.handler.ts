import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';
import { DeliveryJournal } from '../journal/delivery-journal.js';

/** Conversation changes: assignment and status. */
@Injectable()
export class ConversationsHandler {
  constructor(private readonly journal: DeliveryJournal) {}

  @OnWazapinEvent('conversation.updated')
  onConversationUpdated(event: WazapinEvent<'conversation.updated'>): void {
    const { conversation_id, assignee_id, status } = event.payload;
    const assignment = assignee_id ? `assigned to ${assignee_id}` : 'unassigned';
    this.journal.record(
      event,
      'ConversationsHandler.onConversationUpdated',
      `conversation ${conversation_id.slice(0, 8)} ${assignment}, status ${status ?? '?'}`,
    );
  }
}
