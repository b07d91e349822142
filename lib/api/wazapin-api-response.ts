import type { WazapinPage } from './interfaces/wazapin-page.interface.js';

/** Thrown by the readers below when an answer has an unexpected shape. */
export class UnexpectedAnswerError extends Error {}

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The result inside the API's `{ data: ... }` envelope (an answer without one is taken as is). */
export function unwrapData(body: unknown): unknown {
  return isObject(body) && 'data' in body ? body.data : body;
}

/** A single resource: an object with a string `id`. */
export function readResource<T extends { id: string }>(body: unknown, what: string): T {
  const value = unwrapData(body);
  if (!isObject(value) || typeof value.id !== 'string') {
    throw new UnexpectedAnswerError(`expected ${what} with an id`);
  }
  return value as T;
}

/** An object result, e.g. the answer to a retry or a test delivery. */
export function readObject<T>(body: unknown, what: string): T {
  const value = unwrapData(body);
  if (!isObject(value)) {
    throw new UnexpectedAnswerError(`expected ${what}`);
  }
  return value as T;
}

/**
 * One page of a list, whichever shape the API uses: `{ data: [...], next_cursor }`, Svix's
 * `{ data: [...], iterator, done }`, or either nested in a `{ data: ... }` envelope.
 */
export function readPage<T>(body: unknown): WazapinPage<T> {
  const page = isObject(body) && isObject(body.data) ? body.data : body;
  if (!isObject(page) || !Array.isArray(page.data)) {
    throw new UnexpectedAnswerError('expected a page with a data array');
  }
  let next: unknown = page.next_cursor;
  if (next === undefined && 'iterator' in page) {
    next = page.done === true ? null : page.iterator;
  }
  return { data: page.data as T[], next_cursor: typeof next === 'string' && next !== '' ? next : null };
}
