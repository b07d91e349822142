import type { ReceiveTrace } from '../telemetry/wazapin-telemetry.interface.js';

/** Where the signature guard leaves the request's trace, when telemetry is on, for the route's filter. */
export const RECEIVE_TRACE = Symbol('wazapin:receive-trace');

/** A request to the webhook route, with its trace once the guard started it. */
export interface TracedRequest {
  [RECEIVE_TRACE]?: ReceiveTrace;
}
