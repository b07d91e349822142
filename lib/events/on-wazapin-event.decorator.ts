import { SetMetadata } from '@nestjs/common';
import { WAZAPIN_EVENT_HANDLER_METADATA, WAZAPIN_WILDCARD } from '../wazapin-webhooks.constants.js';
import type { WazapinEventType } from './wazapin-event-type.js';

/**
 * Marks a provider method as a handler of one or more Wazapin event types, or of every
 * event with `'*'`. The method receives a {@link WazapinEvent}; it may be async.
 *
 * @example
 * ```ts
 * @OnWazapinEvent('message.new')
 * onMessage(event: WazapinEvent<'message.new'>) {}
 * ```
 */
export function OnWazapinEvent(
  types: WazapinEventType | typeof WAZAPIN_WILDCARD | readonly (WazapinEventType | typeof WAZAPIN_WILDCARD)[],
): MethodDecorator {
  const list = typeof types === 'string' ? [types] : [...types];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.trim() === '')) {
    throw new Error('@OnWazapinEvent() needs at least one non-empty event type, or "*"');
  }
  return SetMetadata(WAZAPIN_EVENT_HANDLER_METADATA, list);
}
