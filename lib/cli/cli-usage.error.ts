/**
 * A wrong command line or input file. The bin prints its message with a pointer to `--help`
 * and exits 2. Messages never hold a secret or a signature.
 */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
