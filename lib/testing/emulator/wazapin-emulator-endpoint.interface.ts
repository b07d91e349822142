import type { WazapinEndpoint } from '../../api/interfaces/wazapin-endpoint.interface.js';

/**
 * An endpoint as the emulator holds it, with its current signing secret.
 *
 * @publicApi
 */
export interface WazapinEmulatorEndpoint extends WazapinEndpoint {
  secret: string;
  /** Rotated-out secrets still signing, until their grace period ends. */
  previous_secrets: string[];
}
