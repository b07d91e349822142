import { Injectable } from '@nestjs/common';
import type { WazapinEvent } from '../../lib/index.js';

/** One handler run that finished. */
export interface JournalEntry {
  deliveryId: string;
  type: string;
  /** `ClassName`, for the summary. */
  handler: string;
  line: string;
}

/** Fits `ConversationsHandler.onConversationUpdated`. */
const HANDLER_WIDTH = 42;

/**
 * What the sample's handlers did, printed as they do it and kept for the summary. A real app
 * would write to its database instead.
 */
@Injectable()
export class DeliveryJournal {
  private readonly entries: JournalEntry[] = [];

  /** Records and prints one handler run: `handler` is `Class.method`, `line` what it got. */
  record(event: WazapinEvent, handler: string, line: string): void {
    this.entries.push({ deliveryId: event.id, type: event.type, handler: handler.split('.')[0], line });
    console.log(`      ${handler.padEnd(HANDLER_WIDTH)} ${line}`);
  }

  /** Handler runs of one delivery, in order. */
  of(deliveryId: string): JournalEntry[] {
    return this.entries.filter((entry) => entry.deliveryId === deliveryId);
  }
}
