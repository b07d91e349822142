import { isKnownWazapinEventType } from '../events/wazapin-event-type.js';

/** Distinct types the catalogue does not know that a registration reports as themselves. */
const UNKNOWN_TYPES_KEPT = 50;

/**
 * The event type as a metric attribute: a catalogued type as itself, another as itself for the
 * first 50 a registration sees and `unknown` after, since the route's path names the type and a
 * sender could otherwise make metric series without end.
 */
export class BoundedEventTypes {
  private readonly kept = new Set<string>();

  of(type: string): string {
    if (isKnownWazapinEventType(type) || this.kept.has(type)) {
      return type;
    }
    if (this.kept.size < UNKNOWN_TYPES_KEPT) {
      this.kept.add(type);
      return type;
    }
    return 'unknown';
  }
}
