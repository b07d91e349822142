import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a loopback host, where plain http is acceptable (local development and tests). */
function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

/**
 * True when `value` is an absolute HTTPS URL without credentials, or an http URL to a
 * loopback host.
 */
export function isWazapinWebhookUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048 || !URL.canParse(value)) {
    return false;
  }
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

/** The property is a webhook URL: HTTPS, or http for localhost only. */
export function IsWazapinWebhookUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWazapinWebhookUrl',
      validator: {
        validate: isWazapinWebhookUrl,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an absolute https URL without credentials (http is allowed only for localhost)`,
          options,
        ),
      },
    },
    options,
  );
}
