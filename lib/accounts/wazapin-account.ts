import { printable } from '../utils/printable.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';

/**
 * The name of a registration given none.
 *
 * @publicApi
 */
export const WAZAPIN_DEFAULT_ACCOUNT = 'default';

/** The longest account name or tenant id. */
export const MAX_IDENTIFIER_LENGTH = 128;

/**
 * What account names and tenant ids are made of. They end up in routes, dedupe keys, queue
 * names and log lines, where these characters are inert.
 */
const IDENTIFIER = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_IDENTIFIER_LENGTH}}$`);

/** Whether `value` can be an account name or a tenant id: `^[A-Za-z0-9_-]{1,128}$`. */
export function isWazapinIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value);
}

/** An account name or tenant id, or a configuration error saying what one may be; `where` names the option. */
export function checkIdentifier(value: unknown, where: string): string {
  if (!isWazapinIdentifier(value)) {
    const given = typeof value === 'string' ? JSON.stringify(printable(value, 60)) : String(value);
    throw new WazapinConfigurationError(`${where} must be 1 to ${MAX_IDENTIFIER_LENGTH} characters from A-Z a-z 0-9 _ -, got ${given}`);
  }
  return value;
}
