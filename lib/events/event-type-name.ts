/**
 * What an event type name looks like on the receiving side: lower-case words of letters,
 * digits and `_`, separated by dots (`message.status_update`, `unknown`).
 */
const EVENT_TYPE_NAME = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/;
const MAX_LENGTH = 128;

/**
 * True when `type` has the form of an event type name. A type that does not is refused
 * (the path and headers are not signed), so no request puts other text into logs or keys.
 */
export function isEventTypeName(type: string): boolean {
  return type.length <= MAX_LENGTH && EVENT_TYPE_NAME.test(type);
}
