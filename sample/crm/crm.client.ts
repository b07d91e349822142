import { Injectable } from '@nestjs/common';

/** A contact as the CRM keeps it. */
export interface CrmContact {
  id: string;
  name?: string;
  phone?: string;
}

/**
 * Stands in for the CRM a help desk syncs contacts to: an in-memory map that can be told to
 * fail, as a real one does when it times out.
 */
@Injectable()
export class CrmClient {
  private readonly contacts = new Map<string, CrmContact>();
  private failures = 0;

  /** The next `count` calls fail with a timeout. */
  failNextCalls(count: number): void {
    this.failures = count;
  }

  async upsertContact(contact: CrmContact): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('CRM timed out after 10 s');
    }
    this.contacts.set(contact.id, { ...this.contacts.get(contact.id), ...contact });
  }
}
