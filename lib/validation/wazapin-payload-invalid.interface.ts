import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { WazapinPayloadViolation } from './wazapin-payload-violation.interface.js';

/**
 * Payload of `WazapinWebhookEvents.PayloadInvalid`: a delivery whose payload `validatePayloads`
 * refused, handed to the wildcard handlers only.
 *
 * @publicApi
 */
export interface WazapinPayloadInvalid {
  readonly event: WazapinEvent;
  /** What failed, as on `event.invalid`. */
  readonly violations: readonly WazapinPayloadViolation[];
}
