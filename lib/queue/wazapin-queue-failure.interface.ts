import type { WazapinEvent } from '../events/wazapin-event.interface.js';

/**
 * A queued delivery whose attempts are exhausted, as emitted under
 * `WazapinWebhookEvents.QueueJobFailed`. Its job stays in the queue's failed set.
 *
 * @publicApi
 */
export interface WazapinQueueJobFailure {
  readonly event: WazapinEvent;
  /**
   * The BullMQ job id: `dlv_<delivery id>~<event type>`, or `dlvh_<base64url SHA-256 of both>`
   * when the id is longer than 128 characters or holds a `:`.
   */
  readonly jobId: string;
  /** Attempts made. */
  readonly attempts: number;
  /** The error of the last attempt. */
  readonly error: Error;
  /** Handlers that still failed on the last attempt. */
  readonly failedHandlers: readonly string[];
}
