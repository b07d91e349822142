import type { WazapinEndpoint } from './wazapin-endpoint.interface.js';

/**
 * What `syncEndpoint` did.
 *
 * @publicApi
 */
export interface WazapinEndpointSyncResult {
  /** `created` (the endpoint carries its secret), `updated` or `unchanged`. */
  action: 'created' | 'updated' | 'unchanged';
  endpoint: WazapinEndpoint;
}
