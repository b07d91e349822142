import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ReceiveTrace } from '../telemetry/wazapin-telemetry.interface.js';

/** Where the signature guard leaves the request's trace, when telemetry is on. */
export const RECEIVE_TRACE = Symbol('wazapin:receive-trace');

/** A request to the webhook route, with its trace once the guard started it. */
export interface TracedRequest {
  [RECEIVE_TRACE]?: ReceiveTrace;
}

/** The request's trace, as a route handler's parameter; `undefined` when telemetry is off. */
export const ReceivingTrace = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ReceiveTrace | undefined => context.switchToHttp().getRequest<TracedRequest>()[RECEIVE_TRACE],
);
