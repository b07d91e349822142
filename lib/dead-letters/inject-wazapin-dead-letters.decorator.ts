import { Inject } from '@nestjs/common';
import { WAZAPIN_DEFAULT_ACCOUNT } from '../accounts/wazapin-account.js';

/**
 * The injection token of a registration's `WazapinDeadLetters`, for `moduleRef.get()` or a
 * provider's `inject`. `@InjectWazapinDeadLetters(name)` injects the same.
 *
 * @publicApi
 */
export function getWazapinDeadLettersToken(account: string = WAZAPIN_DEFAULT_ACCOUNT): string {
  return `WazapinDeadLetters:${account}`;
}

/**
 * Injects the `WazapinDeadLetters` of the registration named `account` (`forRoot({ name })`).
 * Without a name, the default registration's, which is also injected by class.
 *
 * @example
 * ```ts
 * constructor(@InjectWazapinDeadLetters('acme') private readonly acmeDeadLetters: WazapinDeadLetters) {}
 * ```
 *
 * @publicApi
 */
export function InjectWazapinDeadLetters(account: string = WAZAPIN_DEFAULT_ACCOUNT): ParameterDecorator & PropertyDecorator {
  return Inject(getWazapinDeadLettersToken(account));
}
