import { WAZAPIN_DEFAULT_ACCOUNT } from '../accounts/wazapin-account.js';

/**
 * What the dedupe keys of a registration's deliveries start with, so the same delivery id
 * reaching two accounts, or two tenants, is handled once by each even when they share a store:
 * nothing for the default registration without tenants (the keys it always had),
 * `account:<name>:` for a named one, then `tenant:<id>:` for a tenant. Names and ids hold no
 * `:`, and no other key starts with `account:` or `tenant:`, so no two namespaces meet.
 */
export function dedupeNamespace(account: string, tenant?: string): string {
  const named = account === WAZAPIN_DEFAULT_ACCOUNT ? '' : `account:${account}:`;
  return tenant === undefined ? named : `${named}tenant:${tenant}:`;
}

/**
 * Keys a delivery is claimed under, after its registration's `namespace` (see {@link dedupeNamespace}): its delivery id with its event type, and for message events
 * the message id (with the status for status updates), since the platform may send one
 * message's event under two delivery ids. The type is part of the delivery key because the path
 * and headers that may name it are not signed: a captured delivery replayed to another type's
 * path must not take the claim of the genuine one, whose retry would then be a "duplicate".
 * Event type names hold no `:`, so the key cannot be read two ways.
 */
export function dedupeKeys(deliveryId: string, type: string, payload: Record<string, unknown>, namespace = ''): string[] {
  const keys = [`${namespace}delivery:${type}:${deliveryId}`];
  const messageId = payload.message_id;
  if (typeof messageId === 'string' && messageId !== '') {
    const status = type === 'message.status_update' && typeof payload.status === 'string' ? `:${payload.status}` : '';
    keys.push(`${namespace}message:${type}:${messageId}${status}`);
  }
  return keys;
}
