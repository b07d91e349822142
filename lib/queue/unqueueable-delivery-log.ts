import type { Logger } from '@nestjs/common';
import { printable } from '../utils/printable.js';

const INTERVAL_MS = 60_000;

/**
 * Warns of deliveries that can never be queued: the first at once, then at most one line a
 * minute, which counts those refused without a line since the last. The sender's retries of such
 * a delivery, or a flood of them, cannot fill the log; and they are no outage of the queue.
 */
export class UnqueueableDeliveryLog {
  private quietUntil = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly now: () => number = Date.now,
  ) {}

  refused(deliveryId: string, reason: string): void {
    const now = this.now();
    if (now < this.quietUntil) {
      this.unlogged++;
      return;
    }
    this.quietUntil = now + INTERVAL_MS;
    const since = this.unlogged > 0 ? `; ${this.unlogged} more refused since the last such warning` : '';
    this.unlogged = 0;
    this.logger.warn(`Webhook delivery ${printable(deliveryId)} cannot be queued, answered 422: ${reason}${since}`);
  }
}
