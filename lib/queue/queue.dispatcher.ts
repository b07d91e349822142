import type { DeliveryClaim } from '../dispatch/delivery-claim.interface.js';
import type { WazapinDispatcher } from '../dispatch/wazapin-dispatcher.interface.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { WazapinDeliveryQueue } from './wazapin-delivery.queue.js';

/**
 * `dispatch: 'queue'`: the delivery is acknowledged only once the queue holds it; otherwise it
 * is released for the platform's retry, and the queue's answer (503, or 422) is the route's.
 * Workers run the handlers (see `WazapinDeliveryWorker`).
 */
export class QueueDispatcher implements WazapinDispatcher {
  constructor(private readonly queue: WazapinDeliveryQueue) {}

  async handOff(event: WazapinEvent, claim: DeliveryClaim): Promise<void> {
    try {
      await this.queue.add(event);
    } catch (error) {
      await claim.release();
      throw error;
    }
    await claim.complete();
  }
}
