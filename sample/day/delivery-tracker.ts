import type { WazapinDelivery, WazapinWebhooksApiService } from '../../lib/index.js';

const POLL_MS = 100;

/** Watches the platform's delivery attempts to the sample's endpoints, through the API. */
export class DeliveryTracker {
  constructor(
    private readonly api: WazapinWebhooksApiService,
    private readonly timeoutMs: number,
  ) {}

  /** Attempts of one delivery, oldest first. */
  async attempts(deliveryId: string): Promise<WazapinDelivery[]> {
    // The day makes a few dozen attempts: the newest page holds them all.
    const page = await this.api.listDeliveries({ limit: 250 });
    return page.data.filter((attempt) => attempt.message_id === deliveryId).reverse();
  }

  /** Waits until `done` holds for the delivery's attempts, and returns them. */
  async waitFor(deliveryId: string, done: (attempts: WazapinDelivery[]) => boolean): Promise<WazapinDelivery[]> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const attempts = await this.attempts(deliveryId);
      if (done(attempts)) {
        return attempts;
      }
      if (Date.now() > deadline) {
        const seen = attempts.map((attempt) => attempt.response_status_code ?? attempt.status).join(', ') || 'none';
        throw new Error(`Delivery ${deliveryId} did not finish within ${this.timeoutMs / 1000} s (attempts: ${seen})`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** True once some attempt of a delivery succeeded. */
export const succeeded = (attempts: WazapinDelivery[]): boolean => attempts.some((attempt) => attempt.status === 'success');
