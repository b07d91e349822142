/**
 * Keys a delivery is claimed under: its delivery id with its event type, and for message events
 * the message id (with the status for status updates), since the platform may send one
 * message's event under two delivery ids. The type is part of the delivery key because the path
 * and headers that may name it are not signed: a captured delivery replayed to another type's
 * path must not take the claim of the genuine one, whose retry would then be a "duplicate".
 * Event type names hold no `:`, so the key cannot be read two ways.
 */
export function dedupeKeys(deliveryId: string, type: string, payload: Record<string, unknown>): string[] {
  const keys = [`delivery:${type}:${deliveryId}`];
  const messageId = payload.message_id;
  if (typeof messageId === 'string' && messageId !== '') {
    const status = type === 'message.status_update' && typeof payload.status === 'string' ? `:${payload.status}` : '';
    keys.push(`message:${type}:${messageId}${status}`);
  }
  return keys;
}
