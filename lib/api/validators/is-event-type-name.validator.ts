import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';
import { isKnownWazapinEventType } from '../../events/wazapin-event-type.js';

/** `word.word`, with more dot-separated words allowed: Wazapin has types it does not document. */
const EVENT_TYPE_FORM = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+$/;

/** True for a catalogued event type, or a name of the `word.word` form. */
export function isWazapinEventTypeName(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 128 && (isKnownWazapinEventType(value) || EVENT_TYPE_FORM.test(value));
}

/** The property is an event type name (with `each: true`, every element of an array). */
export function IsWazapinEventTypeName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWazapinEventTypeName',
      validator: {
        validate: isWazapinEventTypeName,
        defaultMessage: buildMessage((each) => `${each}$property must be an event type such as "message.new" (word.word)`, options),
      },
    },
    options,
  );
}
