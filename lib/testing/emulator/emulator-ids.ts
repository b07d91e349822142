import { randomBytes } from 'node:crypto';

/** A fresh id with a type prefix, in the style of Svix's (`ep_...`, `msg_...`). */
export function emulatorId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
