import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { SignedDelivery } from './signed-delivery.interface.js';

/** Where the signature guard leaves the delivery it verified, on the request. */
export const VERIFIED_DELIVERY = Symbol('wazapin:verified-delivery');

/** A request the signature guard admitted carries the delivery it verified. */
export interface VerifiedRequest {
  [VERIFIED_DELIVERY]: SignedDelivery;
}

/**
 * The delivery the signature guard verified, as a route handler's parameter: the guard's one
 * way to hand it over. Only on routes guarded by `WazapinSignatureGuard`.
 */
export const VerifiedDelivery = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SignedDelivery => context.switchToHttp().getRequest<VerifiedRequest>()[VERIFIED_DELIVERY],
);
