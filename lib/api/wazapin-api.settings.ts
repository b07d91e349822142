import { checkNumber } from '../utils/check-number.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import type { WazapinApiOptions } from './interfaces/wazapin-api-options.interface.js';

/** Default base URL of the Wazapin API. */
export const WAZAPIN_API_BASE_URL = 'https://api.wazapin.id';

/** The `api` option with defaults applied and checked. */
export interface WazapinApiSettings {
  apiKey?: string;
  baseUrl: string;
  organizationSlug?: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** What an HTTP header value may hold here: visible ASCII and spaces, no line break to split it. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

/**
 * An option sent in a header (`apiKey`, `organizationSlug`): a string of visible ASCII, or unset.
 * The message never quotes it: it may be a credential.
 */
function headerValue(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || !HEADER_SAFE.test(value)) {
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: api.${name} must be a string of visible ASCII characters (no line breaks or control characters), got ${typeof value === 'string' ? 'a string with other characters' : `a ${typeof value}`}`,
    );
  }
  return nonEmpty(value);
}

/**
 * Hosts plain http may go to: the machine itself (the emulator, a local proxy). Not `*.localhost`,
 * which a resolver may look up in DNS.
 */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Checks the base URL the API key is sent to. The messages never quote it: it may hold a password. */
function checkBaseUrl(baseUrl: string): void {
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new WazapinConfigurationError('WazapinWebhooksModule: api.baseUrl must be an absolute http(s) URL');
  }
  const url = new URL(baseUrl);
  if (url.username !== '' || url.password !== '') {
    // fetch refuses such a URL, and its error, which quotes it, would reach messages and logs.
    throw new WazapinConfigurationError(
      'WazapinWebhooksModule: api.baseUrl must not contain a username or password; the API key is the credential',
    );
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new WazapinConfigurationError(
      'WazapinWebhooksModule: api.baseUrl must be https; plain http would send the API key in clear text, ' +
        'so it is allowed only to localhost, 127.0.0.0/8 and [::1]',
    );
  }
}

/** Applies defaults to the `api` option and checks it; a bad value is a startup error. */
export function resolveWazapinApiSettings(options: WazapinApiOptions = {}): WazapinApiSettings {
  const baseUrl = nonEmpty(options.baseUrl) ?? WAZAPIN_API_BASE_URL;
  checkBaseUrl(baseUrl);
  return {
    apiKey: headerValue('apiKey', options.apiKey),
    baseUrl: baseUrl.replace(/\/+$/, ''),
    organizationSlug: headerValue('organizationSlug', options.organizationSlug),
    timeoutMs: checkNumber('api.timeoutMs', options.timeoutMs, 10_000, { atLeast: 1 }),
    retries: Math.floor(checkNumber('api.retries', options.retries, 3, { atLeast: 0 })),
    retryDelayMs: checkNumber('api.retryDelayMs', options.retryDelayMs, 250, { atLeast: 0 }),
    maxRetryDelayMs: checkNumber('api.maxRetryDelayMs', options.maxRetryDelayMs, 30_000, { atLeast: 0 }),
  };
}
