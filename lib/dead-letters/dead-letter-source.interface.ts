import type { WazapinDeadLetter, WazapinDeadLetterReplay } from './wazapin-dead-letter.interface.js';

/** Where `WazapinDeadLetters` reads a registration's dead letters: its store, or in queue mode BullMQ's failed jobs. */
export interface DeadLetterSource {
  /** Up to `limit` letters from `cursor`, and the cursor of the next page when there is one. */
  page(limit: number, cursor?: string): Promise<{ letters: WazapinDeadLetter[]; cursor?: string }>;
  count(): Promise<number>;
  replay(id: string): Promise<WazapinDeadLetterReplay>;
  discard(id: string): Promise<boolean>;
}
