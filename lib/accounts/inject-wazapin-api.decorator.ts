import { Inject } from '@nestjs/common';
import { WAZAPIN_DEFAULT_ACCOUNT } from './wazapin-account.js';

/**
 * The injection token of a registration's `WazapinWebhooksApiService`, for `moduleRef.get()` or
 * a provider's `inject`. `@InjectWazapinApi(name)` injects the same.
 *
 * @publicApi
 */
export function getWazapinApiToken(account: string = WAZAPIN_DEFAULT_ACCOUNT): string {
  return `WazapinWebhooksApiService:${account}`;
}

/**
 * Injects the `WazapinWebhooksApiService` of the registration named `account` (`forRoot({ name })`),
 * configured with that registration's `api` options. Without a name, the default registration's,
 * which is also injected by class.
 *
 * @example
 * ```ts
 * constructor(@InjectWazapinApi('acme') private readonly acme: WazapinWebhooksApiService) {}
 * ```
 *
 * @publicApi
 */
export function InjectWazapinApi(account: string = WAZAPIN_DEFAULT_ACCOUNT): ParameterDecorator & PropertyDecorator {
  return Inject(getWazapinApiToken(account));
}
