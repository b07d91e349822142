import type { WazapinQueuedDelivery } from '../queue/queued-delivery.js';

/** A dead letter as stored: JSON, its event in the form a queue job holds it. */
export interface StoredDeadLetter {
  readonly id: string;
  readonly event: WazapinQueuedDelivery;
  readonly handlers: readonly string[];
  readonly error: string;
  readonly attempts: number;
  /** ISO time. */
  readonly failedAt: string;
}

/**
 * Where a registration's dead letters are kept, in the order of their ids (which is the order
 * they came in), bounded.
 */
export interface DeadLetterStore {
  /**
   * Adds the letter of `id`, as its JSON (made once, by the caller, which learns there whether
   * it can be); resolves with how many of the oldest were dropped to stay within bounds.
   */
  add(id: string, json: string): Promise<number>;
  get(id: string): Promise<StoredDeadLetter | undefined>;
  /** Up to `limit` letters whose ids come after `after` (from the first without it). */
  page(limit: number, after?: string): Promise<StoredDeadLetter[]>;
  /** Replaces the letter of `id` if it is still kept; resolves with whether it was. */
  replace(id: string, json: string): Promise<boolean>;
  /** Resolves with whether it was kept. */
  remove(id: string): Promise<boolean>;
  count(): Promise<number>;
}
