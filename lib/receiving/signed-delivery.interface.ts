import type { ReceiveTrace } from '../telemetry/wazapin-telemetry.interface.js';

/** A delivery whose signature and timestamp the signature guard accepted. */
export interface SignedDelivery {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** The tenant whose secrets signed it, in a `tenants` registration. */
  readonly tenant?: string;
  /** The request's trace, with telemetry. */
  readonly trace?: ReceiveTrace;
}
