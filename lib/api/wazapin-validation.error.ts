/**
 * Thrown by `WazapinWebhooksApiService` when a method's input is invalid. Nothing was sent.
 * `fields` maps each invalid field to what is wrong with it.
 *
 * @publicApi
 */
export class WazapinValidationError extends Error {
  override readonly name = 'WazapinValidationError';

  constructor(
    /** The service method whose input was rejected. */
    readonly operation: string,
    readonly fields: Readonly<Record<string, readonly string[]>>,
  ) {
    const details = Object.entries(fields)
      .map(([field, problems]) => `${field}: ${problems.join('; ')}`)
      .join(', ');
    super(`Invalid input to ${operation}: ${details}`);
  }
}
