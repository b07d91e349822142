import { decodeWebhookSecrets, splitWebhookSecrets } from '../signature/webhook-secret.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { CliUsageError } from './cli-usage.error.js';

/**
 * The `--secret` values, split and checked as the module checks its `secrets` option. An
 * invalid one is a usage error naming its position, never its value.
 */
export function cliSecrets(values: readonly string[] | undefined): string[] {
  const secrets = splitWebhookSecrets(values ?? []);
  if (secrets.length === 0) {
    throw new CliUsageError('Missing --secret (the endpoint signing secret, whsec_...)');
  }
  try {
    decodeWebhookSecrets(secrets);
  } catch (error) {
    if (error instanceof WazapinConfigurationError) {
      throw new CliUsageError(`--secret: ${error.message.replace(/^WazapinWebhooksModule: /, '')}`);
    }
    throw error;
  }
  return secrets;
}
