import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';
import { DeliveryJournal } from '../journal/delivery-journal.js';

/** Every event, catalogued or not: an audit trail. */
@Injectable()
export class AuditHandler {
  constructor(private readonly journal: DeliveryJournal) {}

  @OnWazapinEvent('*')
  onAnyEvent(event: WazapinEvent): void {
    const fields = Object.keys(event.payload).length;
    this.journal.record(
      event,
      'AuditHandler.onAnyEvent',
      `${event.type} (type from ${event.typeSource}), ${fields} fields, signed ${event.timestamp.toISOString().slice(11, 19)}`,
    );
  }
}
