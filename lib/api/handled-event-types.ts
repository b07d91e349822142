import type { WazapinHandler } from '../events/wazapin-handler.interface.js';
import { WAZAPIN_WILDCARD } from '../wazapin-webhooks.constants.js';
import { isWazapinEventTypeName } from './validators/is-event-type-name.validator.js';

/**
 * The endpoint filter an app's handlers call for: the event types they name, sorted, or `[]`
 * (all) when one handles `'*'`. Names that cannot be subscribed to (such as `'unknown'`) are
 * left out. `undefined` when there are no handlers at all.
 */
export function handledEventTypes(handlers: readonly WazapinHandler[]): string[] | undefined {
  if (handlers.length === 0) {
    return undefined;
  }
  const types = handlers.flatMap((handler) => handler.types);
  if (types.includes(WAZAPIN_WILDCARD)) {
    return [];
  }
  return [...new Set(types.filter(isWazapinEventTypeName))].sort();
}
