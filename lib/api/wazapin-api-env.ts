import type { WazapinApiOptions } from './interfaces/wazapin-api-options.interface.js';

/**
 * Something to read settings from: `process.env`, or `@nestjs/config`'s `ConfigService`.
 *
 * @publicApi
 */
export type WazapinEnvSource = { get(name: string): unknown } | Readonly<Record<string, string | undefined>>;

function read(source: WazapinEnvSource, name: string): string | undefined {
  const value = typeof source.get === 'function' ? (source as { get(name: string): unknown }).get(name) : (source as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The `api` option from `WAZAPIN_API_KEY`, `WAZAPIN_API_BASE_URL` and `WAZAPIN_ORG_SLUG`, read
 * from a `ConfigService` (in `forRootAsync`) or `process.env` (the default). Unset variables
 * are left out, so the defaults apply.
 *
 * @example
 * ```ts
 * WazapinWebhooksModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({
 *     secrets: config.getOrThrow('WAZAPIN_WEBHOOK_SECRET'),
 *     api: wazapinApiOptionsFromEnv(config),
 *   }),
 * });
 * ```
 *
 * @publicApi
 */
export function wazapinApiOptionsFromEnv(source: WazapinEnvSource = process.env): WazapinApiOptions {
  const options: WazapinApiOptions = {};
  const apiKey = read(source, 'WAZAPIN_API_KEY');
  const baseUrl = read(source, 'WAZAPIN_API_BASE_URL');
  const organizationSlug = read(source, 'WAZAPIN_ORG_SLUG');
  if (apiKey) {
    options.apiKey = apiKey;
  }
  if (baseUrl) {
    options.baseUrl = baseUrl;
  }
  if (organizationSlug) {
    options.organizationSlug = organizationSlug;
  }
  return options;
}
