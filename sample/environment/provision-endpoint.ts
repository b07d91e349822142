import { WAZAPIN_EVENT_TYPES, type WazapinWebhooksApiService } from '../../lib/index.js';

/** The sample's endpoint in Wazapin, and the secret its deliveries are signed with. */
export interface ProvisionedEndpoint {
  id: string;
  /** How it came to be: `created`, `updated`/`unchanged` (found by URL), `rotated` (found, new secret). */
  action: 'created' | 'updated' | 'unchanged' | 'rotated';
  secret: string;
}

/**
 * Makes sure Wazapin has an endpoint for `url`, subscribed to every catalogued event, and
 * returns the secret to verify its deliveries with: the new endpoint's, else the configured
 * one, else a rotated one (Wazapin shows a secret only on create and rotate; the old one keeps
 * signing through the grace period).
 */
export async function provisionEndpoint(
  api: WazapinWebhooksApiService,
  url: string,
  configuredSecret: string | undefined,
): Promise<ProvisionedEndpoint> {
  const { action, endpoint } = await api.syncEndpoint({
    url,
    eventTypes: [...WAZAPIN_EVENT_TYPES],
    description: 'nestjs-wazapin-webhooks sample',
  });
  const secret = endpoint.secret ?? configuredSecret;
  if (secret) {
    return { id: endpoint.id, action, secret };
  }
  const rotated = await api.rotateSecret(endpoint.id);
  if (!rotated.secret) {
    throw new Error(`Wazapin rotated the secret of endpoint ${endpoint.id} but did not return it`);
  }
  return { id: endpoint.id, action: 'rotated', secret: rotated.secret };
}
