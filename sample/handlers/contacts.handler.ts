import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';
import { CrmClient } from '../crm/crm.client.js';
import { DeliveryJournal } from '../journal/delivery-journal.js';

/**
 * Contact changes, synced to the CRM. When the CRM fails the handler throws: in `inline`
 * dispatch the delivery is answered 500, its dedupe claim released, and Wazapin's retry runs
 * the handler again.
 */
@Injectable()
export class ContactsHandler {
  constructor(
    private readonly crm: CrmClient,
    private readonly journal: DeliveryJournal,
  ) {}

  @OnWazapinEvent('contact.updated')
  async onContactUpdated(event: WazapinEvent<'contact.updated'>): Promise<void> {
    const { contact_id, name, phone } = event.payload;
    await this.crm.upsertContact({ id: contact_id, name, phone });
    this.journal.record(event, 'ContactsHandler.onContactUpdated', `contact ${contact_id.slice(0, 8)} is now "${name ?? '?'}" (+${phone ?? '?'}), synced to the CRM`);
  }
}
