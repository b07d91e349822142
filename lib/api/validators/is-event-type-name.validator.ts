import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';
import { isEventTypeName } from '../../events/event-type-name.js';

/**
 * True for a name the receiver accepts as an event type, of at least two dotted words
 * (`message.new`, or one Wazapin does not document): an endpoint subscribed to another name
 * would send deliveries the route refuses.
 */
export function isWazapinEventTypeName(value: unknown): boolean {
  return typeof value === 'string' && value.includes('.') && isEventTypeName(value);
}

/** The property is an event type name (with `each: true`, every element of an array). */
export function IsWazapinEventTypeName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWazapinEventTypeName',
      validator: {
        validate: isWazapinEventTypeName,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an event type such as "message.new" (lower-case words separated by dots)`,
          options,
        ),
      },
    },
    options,
  );
}
