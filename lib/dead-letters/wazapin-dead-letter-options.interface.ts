/**
 * Where a `background` delivery whose handlers still fail after `handlerRetries` is kept (see
 * `WazapinDeadLetters`).
 *
 * @publicApi
 */
export interface WazapinDeadLetterOptions {
  /** Most dead letters kept; one more drops the oldest, with a warning. Default 10,000. */
  maxEntries?: number;
}
