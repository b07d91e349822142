/**
 * The hold a delivery's dedupe keys are under once claimed, until it is settled: completed
 * when its handlers are done, released so a retry can take it otherwise. Neither rejects: a
 * store that fails to settle leaves the lease to expire, and a retry then runs the delivery.
 */
export interface DeliveryClaim {
  /** Marks the delivery handled for the dedupe TTL: its copies are answered as duplicates. */
  complete(): Promise<void>;
  /**
   * Gives the delivery back, so the platform's retry or a redelivery runs it. `partly`: some of
   * its handlers succeeded, so a status update's rank is recorded all the same (those handlers
   * saw it; see `StatusOrder`).
   */
  release(partly?: boolean): Promise<void>;
  /**
   * Marks the delivery handled for deduplication, as {@link complete} does, its handlers having
   * failed for good and the delivery being kept elsewhere to replay (a dead letter). A status
   * update's rank is recorded only when `partly`, as for {@link release}: no handler saw it else.
   */
  setAside(partly?: boolean): Promise<void>;
}
