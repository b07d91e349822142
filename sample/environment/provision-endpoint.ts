import { WAZAPIN_EVENT_TYPES, type WazapinKnownEventType, type WazapinWebhooksApiService } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';

/** One of the sample's endpoints in Wazapin: one per event type, posting to `<url>/<type>`. */
export interface ProvisionedEndpoint {
  id: string;
  /** How it came to be: `created`, `updated`/`unchanged` (found by URL), `rotated` (found, new secret). */
  action: 'created' | 'updated' | 'unchanged' | 'rotated';
  /** The secret its deliveries are signed with. */
  secret: string;
}

/** The sample's endpoints by event type, and the secrets the module verifies with. */
export interface ProvisionedEndpoints {
  byType: ReadonlyMap<WazapinKnownEventType, ProvisionedEndpoint>;
  /** Every endpoint's secret, once each: one, unless Wazapin chose some of them itself. */
  secrets: string[];
}

/**
 * Makes sure Wazapin has one endpoint per catalogued event type, each filtered to its type and
 * posting to `<url>/<type>`, so the path names every delivery's type. New endpoints are created
 * with one secret, the configured one or a new one, so the app verifies them all with it. A
 * found endpoint keeps its own: the configured secret, else a rotated one (Wazapin shows a
 * secret only on create and rotate; the old one keeps signing through the grace period).
 */
export async function provisionEndpoints(
  api: WazapinWebhooksApiService,
  url: string,
  configuredSecret: string | undefined,
): Promise<ProvisionedEndpoints> {
  const shared = configuredSecret ?? generateWazapinSecret();
  const byType = new Map<WazapinKnownEventType, ProvisionedEndpoint>();
  for (const type of WAZAPIN_EVENT_TYPES) {
    const { action, endpoint } = await api.syncEndpoint({
      url: `${url}/${type}`,
      eventTypes: [type],
      description: `nestjs-wazapin-webhooks sample: ${type}`,
      secret: shared,
    });
    const secret = endpoint.secret ?? configuredSecret ?? (await rotatedSecret(api, endpoint.id));
    byType.set(type, { id: endpoint.id, action: endpoint.secret || configuredSecret ? action : 'rotated', secret });
  }
  return { byType, secrets: [...new Set([...byType.values()].map((endpoint) => endpoint.secret))] };
}

async function rotatedSecret(api: WazapinWebhooksApiService, endpointId: string): Promise<string> {
  const rotated = await api.rotateSecret(endpointId);
  if (!rotated.secret) {
    throw new Error(`Wazapin rotated the secret of endpoint ${endpointId} without returning it: find it in Wazapin and set WAZAPIN_WEBHOOK_SECRET`);
  }
  return rotated.secret;
}
