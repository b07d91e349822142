/**
 * Thrown at startup when the module's options cannot work. Never carries a secret's value.
 *
 * @publicApi
 */
export class WazapinConfigurationError extends Error {
  override readonly name = 'WazapinConfigurationError';
}
