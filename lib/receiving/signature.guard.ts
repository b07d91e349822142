import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { WAZAPIN_VERIFIED_DELIVERY } from '../wazapin-webhooks.constants.js';
import type { WebhookRequest } from './webhook-request.interface.js';
import { WebhookRequestVerifier } from './webhook-request.verifier.js';

/**
 * Admits a request only when it is a delivery signed by a configured secret within the
 * timestamp tolerance (see {@link WebhookRequestVerifier}). Leaves the verified delivery on the
 * request for the controller.
 */
@Injectable()
export class WazapinSignatureGuard implements CanActivate {
  constructor(private readonly requests: WebhookRequestVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    request[WAZAPIN_VERIFIED_DELIVERY] = this.requests.verify(request);
    return true;
  }
}
