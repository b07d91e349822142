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

function number(name: string, value: number | undefined, fallback: number, min: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved < min) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: api.${name} must be a number of at least ${min}, got ${String(value)}`);
  }
  return resolved;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Applies defaults to the `api` option and checks it; a bad value is a startup error. */
export function resolveWazapinApiSettings(options: WazapinApiOptions = {}): WazapinApiSettings {
  const baseUrl = nonEmpty(options.baseUrl) ?? WAZAPIN_API_BASE_URL;
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new WazapinConfigurationError('WazapinWebhooksModule: api.baseUrl must be an absolute http(s) URL');
  }
  return {
    apiKey: nonEmpty(options.apiKey),
    baseUrl: baseUrl.replace(/\/+$/, ''),
    organizationSlug: nonEmpty(options.organizationSlug),
    timeoutMs: number('timeoutMs', options.timeoutMs, 10_000, 1),
    retries: Math.floor(number('retries', options.retries, 3, 0)),
    retryDelayMs: number('retryDelayMs', options.retryDelayMs, 250, 0),
    maxRetryDelayMs: number('maxRetryDelayMs', options.maxRetryDelayMs, 30_000, 0),
  };
}
