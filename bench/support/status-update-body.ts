import { randomUUID } from 'node:crypto';

const CONVERSATION_ID = '0f89b0f9-74b4-44f9-b9b6-48f6d4de57aa';

/** A flat `message.status_update` body as documented, as JSON text. */
export function statusUpdateJson(messageId: string, status = 'delivered'): string {
  return JSON.stringify({ message_id: messageId, conversation_id: CONVERSATION_ID, status, organization_id: 'org_123' });
}

/**
 * A flat `message.status_update` body of exactly `bytes` bytes: the documented fields, padded
 * with a `note` field. Each call makes a new message id unless one is given, so two bodies are
 * two distinct events to the module's dedupe.
 */
export function statusUpdateBody(bytes: number, messageId: string = randomUUID(), status = 'delivered'): Buffer {
  const fields = { message_id: messageId, conversation_id: CONVERSATION_ID, status, organization_id: 'org_123' };
  const bare = JSON.stringify({ ...fields, note: '' });
  const padding = bytes - Buffer.byteLength(bare);
  if (padding < 0) {
    throw new RangeError(`statusUpdateBody: ${bytes} bytes is smaller than the bare body (${Buffer.byteLength(bare)})`);
  }
  return Buffer.from(JSON.stringify({ ...fields, note: 'x'.repeat(padding) }));
}
