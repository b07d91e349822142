import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/** True for a plain object whose values are all strings. */
export function isStringRecord(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'string')
  );
}

/** The property is an object of string values, e.g. endpoint metadata. */
export function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: isStringRecord,
        defaultMessage: buildMessage((each) => `${each}$property must be an object whose values are strings`, options),
      },
    },
    options,
  );
}
