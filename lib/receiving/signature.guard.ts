import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { VERIFIED_DELIVERY, type VerifiedRequest } from './verified-delivery.decorator.js';
import type { WebhookRequest } from './webhook-request.interface.js';
import { WebhookRequestVerifier } from './webhook-request.verifier.js';

/**
 * Admits a request only when it is a delivery signed by a configured secret (or its tenant's)
 * within the timestamp tolerance (see {@link WebhookRequestVerifier}), and hands the verified
 * delivery to the route through `@VerifiedDelivery()`. Synchronous unless a tenant's secrets
 * must be resolved first.
 */
@Injectable()
export class WazapinSignatureGuard implements CanActivate {
  constructor(private readonly requests: WebhookRequestVerifier) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebhookRequest & Partial<VerifiedRequest>>();
    const delivery = this.requests.verify(request, request.params?.tenant);
    if (delivery instanceof Promise) {
      return delivery.then((verified) => {
        request[VERIFIED_DELIVERY] = verified;
        return true;
      });
    }
    request[VERIFIED_DELIVERY] = delivery;
    return true;
  }
}
