import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';
import { DeliveryJournal } from '../journal/delivery-journal.js';

/** WhatsApp template reviews. */
@Injectable()
export class TemplatesHandler {
  constructor(private readonly journal: DeliveryJournal) {}

  @OnWazapinEvent('template.status_update')
  onTemplateStatus(event: WazapinEvent<'template.status_update'>): void {
    const { template_name, language, status, reason } = event.payload;
    this.journal.record(
      event,
      'TemplatesHandler.onTemplateStatus',
      `template ${template_name ?? '?'} (${language ?? '?'}) ${status}${reason ? `: ${reason}` : ''}`,
    );
  }
}
