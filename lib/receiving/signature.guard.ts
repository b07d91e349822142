import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { WazapinTelemetry } from '../telemetry/wazapin-telemetry.interface.js';
import { WAZAPIN_TELEMETRY } from '../wazapin-webhooks.constants.js';
import { RECEIVE_TRACE, type TracedRequest } from './receive-trace.js';
import { VERIFIED_DELIVERY, type VerifiedRequest } from './verified-delivery.decorator.js';
import type { WebhookRequest } from './webhook-request.interface.js';
import { WebhookRequestVerifier } from './webhook-request.verifier.js';

/**
 * Admits a request only when it is a delivery signed by a configured secret (or its tenant's)
 * within the timestamp tolerance (see {@link WebhookRequestVerifier}), and hands the verified
 * delivery to the route through `@VerifiedDelivery()`. Synchronous unless a tenant's secrets
 * must be resolved first. The request's trace starts here, so it covers every check.
 */
@Injectable()
export class WazapinSignatureGuard implements CanActivate {
  constructor(
    private readonly requests: WebhookRequestVerifier,
    @Inject(WAZAPIN_TELEMETRY) private readonly telemetry: WazapinTelemetry,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebhookRequest & Partial<VerifiedRequest> & TracedRequest>();
    const trace = this.telemetry.receiving(request);
    if (trace) {
      request[RECEIVE_TRACE] = trace;
    }
    const delivery = this.requests.verify(request, request.params?.tenant);
    if (delivery instanceof Promise) {
      return delivery.then((verified) => {
        request[VERIFIED_DELIVERY] = trace ? { ...verified, trace } : verified;
        return true;
      });
    }
    request[VERIFIED_DELIVERY] = trace ? { ...delivery, trace } : delivery;
    return true;
  }
}
