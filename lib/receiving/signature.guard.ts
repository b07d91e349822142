import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { VERIFIED_DELIVERY, type VerifiedRequest } from './verified-delivery.decorator.js';
import type { WebhookRequest } from './webhook-request.interface.js';
import { WebhookRequestVerifier } from './webhook-request.verifier.js';

/**
 * Admits a request only when it is a delivery signed by a configured secret within the
 * timestamp tolerance (see {@link WebhookRequestVerifier}), and hands the verified delivery to
 * the route through `@VerifiedDelivery()`.
 */
@Injectable()
export class WazapinSignatureGuard implements CanActivate {
  constructor(private readonly requests: WebhookRequestVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WebhookRequest & Partial<VerifiedRequest>>();
    request[VERIFIED_DELIVERY] = this.requests.verify(request);
    return true;
  }
}
