import { SetMetadata } from '@nestjs/common';
import { WAZAPIN_EVENT_HANDLER_METADATA, WAZAPIN_WILDCARD } from '../wazapin-webhooks.constants.js';
import type { WazapinEventType } from './wazapin-event-type.js';
import type { WazapinEvent } from './wazapin-event.interface.js';

/** The event a handler of `T` receives: any event when `T` includes the wildcard. */
export type WazapinHandledEvent<T extends WazapinEventType> = typeof WAZAPIN_WILDCARD extends T ? WazapinEvent : WazapinEvent<T>;

/**
 * A method decorator that accepts only methods whose parameter can take the events of `T`:
 * `@OnWazapinEvent('message.new')` on a method taking `WazapinEvent<'contact.updated'>` does not compile.
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
 * @example
 * ```ts
 * @OnWazapinEvent('message.new')
 * onMessage(event: WazapinEvent<'message.new'>) {}
 * ```
 */
export function OnWazapinEvent<const T extends WazapinEventType>(types: T | readonly T[]): WazapinHandlerDecorator<T> {
  const list: string[] = typeof types === 'string' ? [types] : [...types];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new Error('@OnWazapinEvent() needs at least one non-empty event type, or "*"');
  }
  const decorate = SetMetadata(WAZAPIN_EVENT_HANDLER_METADATA, list);
  return (target, propertyKey, descriptor) => {
    decorate(target, propertyKey, descriptor);
  };
}
