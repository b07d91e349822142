import { randomBytes } from 'node:crypto';

let lastTime = 0;
let sequence = 0;

/**
 * A new dead letter's id: `dl_`, the time in base 36 and a sequence (both fixed width, so ids
 * sort as they were made, in this process), then random characters, so two instances' ids never
 * meet. Stores keep letters in the order of their ids.
 */
export function newDeadLetterId(): string {
  const now = Math.max(Date.now(), lastTime);
  sequence = now === lastTime ? sequence + 1 : 0;
  lastTime = now;
  return `dl_${now.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}_${randomBytes(6).toString('base64url')}`;
}
