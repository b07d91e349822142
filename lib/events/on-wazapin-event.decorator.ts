import { extendArrayMetadata } from '@nestjs/common/utils/extend-metadata.util.js';
import { checkIdentifier } from '../accounts/wazapin-account.js';
import { WAZAPIN_EVENT_HANDLER_METADATA, WAZAPIN_WILDCARD } from '../wazapin-webhooks.constants.js';
import type { WazapinEventType } from './wazapin-event-type.js';
import type { WazapinEvent } from './wazapin-event.interface.js';

/**
 * The event a handler of `T` receives: any event when `T` includes the wildcard.
 *
 * @publicApi
 */
export type WazapinHandledEvent<T extends WazapinEventType> = typeof WAZAPIN_WILDCARD extends T ? WazapinEvent : WazapinEvent<T>;

/**
 * A method decorator that accepts only methods whose parameter can take the events of `T`:
 * `@OnWazapinEvent('message.new')` on a method taking `WazapinEvent<'contact.updated'>` does not compile.
 *
 * @publicApi
 */
export type WazapinHandlerDecorator<T extends WazapinEventType> = <M extends (event: WazapinHandledEvent<T>) => unknown>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Which deliveries a handler runs for, beyond their type.
 *
 * @publicApi
 */
export interface WazapinHandlerOptions {
  /** Only those of the registration of this name (`forRoot({ name })`). Default: every registration's. */
  account?: string;
  /**
   * Only those posted for this tenant, in a `tenants` registration. Default: every delivery,
   * with a tenant or without. Most handlers read `event.tenant` instead.
   */
  tenant?: string;
}

/** One type a method handles, and for which deliveries: what one decorator records per type. */
export interface WazapinHandlerDeclaration {
  readonly type: string;
  readonly account?: string;
  readonly tenant?: string;
}

/**
 * Marks a provider method as a handler of one or more Wazapin event types, or of every
 * event with `'*'`. The method receives a {@link WazapinEvent} of those types; it may be async.
 * With several registrations (accounts), it runs for every registration's deliveries unless
 * `options.account` names one; `options.tenant` narrows it to one tenant's.
 *
 * Decorators stack: a method under two of them handles the types of both (its parameter must
 * take the events of each), and runs once per event, even for a type both name or one that a
 * `'*'` beside it also covers.
 *
 * @example
 * ```ts
 * @OnWazapinEvent('message.new')
 * onMessage(event: WazapinEvent<'message.new'>) {}
 *
 * @OnWazapinEvent('message.new', { account: 'acme' })
 * onAcmeMessage(event: WazapinEvent<'message.new'>) {}
 * ```
 *
 * @publicApi
 */
export function OnWazapinEvent<const T extends WazapinEventType>(types: T | readonly T[], options: WazapinHandlerOptions = {}): WazapinHandlerDecorator<T> {
  const list: string[] = typeof types === 'string' ? [types] : [...types];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new Error('@OnWazapinEvent() needs at least one non-empty event type, or "*"');
  }
  const account = options.account === undefined ? undefined : checkIdentifier(options.account, '@OnWazapinEvent() account');
  const tenant = options.tenant === undefined ? undefined : checkIdentifier(options.tenant, '@OnWazapinEvent() tenant');
  const declarations = list.map((type): WazapinHandlerDeclaration => ({ type, account, tenant }));
  return (_target, _propertyKey, descriptor) => {
    // Each decorator adds its declarations to those of the decorators below it, as `@OnEvent` does.
    extendArrayMetadata(WAZAPIN_EVENT_HANDLER_METADATA, declarations, descriptor.value!);
  };
}
