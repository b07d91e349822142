/**
 * A handler did not settle within `handlerTimeoutMs`. It is reported as failed like any other
 * (logged, emitted, the claim released); the promise it returned is left to finish on its own.
 *
 * @publicApi
 */
export class WazapinHandlerTimeoutError extends Error {
  override readonly name = 'WazapinHandlerTimeoutError';

  constructor(
    readonly handler: string,
    readonly timeoutMs: number,
  ) {
    super(`${handler} did not settle within ${timeoutMs} ms (handlerTimeoutMs)`);
  }
}
