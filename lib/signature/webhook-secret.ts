import { WazapinConfigurationError } from '../wazapin-configuration.error.js';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/**
 * Splits the `secrets` option into single secrets: an array, or one string holding several
 * separated by spaces or commas (as an environment variable would).
 */
export function splitWebhookSecrets(secrets: string | readonly string[] | undefined): string[] {
  const list = typeof secrets === 'string' ? [secrets] : [...(secrets ?? [])];
  return list.flatMap((entry) => (typeof entry === 'string' ? entry.split(/[\s,]+/) : [])).filter((s) => s !== '');
}

/**
 * Decodes webhook signing secrets (`whsec_` prefix optional) to HMAC keys. Each must decode to
 * 24 to 64 bytes; an error names the secret's position, never its value.
 */
export function decodeWebhookSecrets(secrets: string | readonly string[] | undefined): Buffer[] {
  const list = splitWebhookSecrets(secrets);
  if (list.length === 0) {
    throw new WazapinConfigurationError(
      'WazapinWebhooksModule: no webhook signing secret configured. Set `secrets` to the endpoint secret (whsec_...) shown in Wazapin.',
    );
  }
  return list.map((secret, index) => decodeWebhookSecret(secret, index));
}

function decodeWebhookSecret(secret: string, index: number): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (!key || key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    const found = key ? `${key.length} bytes` : 'not base64';
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: webhook secret #${index + 1} is invalid (${found}); a secret is "whsec_" followed by base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes.`,
    );
  }
  return key;
}
