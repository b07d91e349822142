import { extendArrayMetadata } from '@nestjs/common/utils/extend-metadata.util.js';
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
 * Marks a provider method as a handler of one or more Wazapin event types, or of every
 * event with `'*'`. The method receives a {@link WazapinEvent} of those types; it may be async.
 *
 * Decorators stack: a method under two of them handles the types of both (its parameter must
 * take the events of each), and runs once per event, even for a type both name or one that a
 * `'*'` beside it also covers.
 *
 * @example
 * ```ts
 * @OnWazapinEvent('message.new')
 * onMessage(event: WazapinEvent<'message.new'>) {}
 * ```
 *
 * @publicApi
 */
export function OnWazapinEvent<const T extends WazapinEventType>(types: T | readonly T[]): WazapinHandlerDecorator<T> {
  const list: string[] = typeof types === 'string' ? [types] : [...types];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new Error('@OnWazapinEvent() needs at least one non-empty event type, or "*"');
  }
  return (_target, _propertyKey, descriptor) => {
    // Each decorator adds its types to those of the decorators below it, as `@OnEvent` does.
    extendArrayMetadata(WAZAPIN_EVENT_HANDLER_METADATA, list, descriptor.value!);
  };
}
