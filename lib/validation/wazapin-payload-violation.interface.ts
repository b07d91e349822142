/**
 * One constraint a payload failed: a field failing two constraints (a missing `message_id` is
 * neither a string nor non-empty) gives two violations.
 *
 * @publicApi
 */
export interface WazapinPayloadViolation {
  /** The payload's field; empty for the payload itself. */
  readonly field: string;
  /** The constraint's name, as class-validator names it: `isString`, `isNotEmpty`, `isIn`, … */
  readonly constraint: string;
  /** What is wrong, in words (`message_id must be a string`): it names the field, never a value the payload sent. */
  readonly message: string;
}
