import { WazapinEmulator } from '../../lib/testing/index.js';

/** Retries in milliseconds instead of minutes, so the day's failed delivery is retried at once. */
const RETRY_SCALE = 0.001;

/**
 * Starts the emulator in this process unless WAZAPIN_API_BASE_URL names a Wazapin API, and
 * points the app's API settings at it through the environment, as a deployment would.
 */
export async function startLocalWazapinUnlessConfigured(env: NodeJS.ProcessEnv): Promise<WazapinEmulator | undefined> {
  if (env.WAZAPIN_API_BASE_URL) {
    return undefined;
  }
  const emulator = await WazapinEmulator.start({ retryScale: RETRY_SCALE, organizationSlug: env.WAZAPIN_ORG_SLUG || undefined });
  env.WAZAPIN_API_BASE_URL = emulator.baseUrl;
  env.WAZAPIN_API_KEY = emulator.apiKey;
  return emulator;
}
