/**
 * Keys a delivery is claimed under: its delivery id, and for message events the message id
 * (with the status for status updates), since the platform may send one message's event
 * under two delivery ids.
 */
export function dedupeKeys(deliveryId: string, type: string, payload: Record<string, unknown>): string[] {
  const keys = [`delivery:${deliveryId}`];
  const messageId = payload.message_id;
  if (typeof messageId === 'string' && messageId !== '') {
    const status = type === 'message.status_update' && typeof payload.status === 'string' ? `:${payload.status}` : '';
    keys.push(`message:${type}:${messageId}${status}`);
  }
  return keys;
}
