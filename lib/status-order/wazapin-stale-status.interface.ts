import type { WazapinEvent } from '../events/wazapin-event.interface.js';

/**
 * Payload of `WazapinWebhookEvents.StaleStatus`: a status update `statusOrder: 'drop'` kept
 * from the handlers, since a status of its rank or above was handled for its message.
 *
 * @publicApi
 */
export interface WazapinStaleStatus {
  readonly event: WazapinEvent<'message.status_update'>;
  /** The rank of its status (`statusRanks`). */
  readonly rank: number;
}
