import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import type { DeliveryClaim } from './delivery-claim.interface.js';

/**
 * How a verified, claimed event gets to its handlers: one implementation per dispatch mode
 * (`inline`, `background`, `queue`), chosen once at startup. The receiver hands off and
 * answers 2xx when the returned promise resolves; a rejection (an `HttpException`) is the
 * route's answer instead. The dispatcher settles the claim.
 */
export interface WazapinDispatcher {
  handOff(event: WazapinEvent, claim: DeliveryClaim): Promise<void> | void;
}
