import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { WazapinValidationError } from '../wazapin-validation.error.js';

type DtoClass<T> = new () => T;

function collect(errors: readonly ValidationError[], parent: string, into: Record<string, string[]>): void {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      into[field] = Object.entries(error.constraints).map(([constraint, message]) =>
        constraint === 'whitelistValidation' ? `${field} is not a known field` : message,
      );
    }
    collect(error.children ?? [], field, into);
  }
}

/**
 * Turns `input` into an instance of `Dto` and validates it, rejecting unknown fields (a
 * camelCase `eventTypes` for `event_types` must not silently subscribe to everything).
 * Throws {@link WazapinValidationError} listing every invalid field.
 */
export function validateInput<T extends object>(Dto: DtoClass<T>, input: unknown, operation: string): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new WazapinValidationError(operation, { input: ['must be an object'] });
  }
  const instance = plainToInstance(Dto, input);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const fields: Record<string, string[]> = {};
    collect(errors, '', fields);
    throw new WazapinValidationError(operation, fields);
  }
  return instance;
}
