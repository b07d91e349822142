import { ValidateIf } from 'class-validator';

/**
 * The field may be left out; when it is there, the other validators apply. Unlike
 * `@IsOptional()`, which skips them for `null` too, a `null` fails them: a payload interface's
 * `contact_id?: string` promises a string or nothing, and a handler may rely on that.
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
