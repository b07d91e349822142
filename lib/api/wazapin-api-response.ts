import type { WazapinEndpoint } from './interfaces/wazapin-endpoint.interface.js';
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

/** The object nearest the top of `answer` (breadth first) that has a string `secret`. */
function secretHolder(answer: unknown): Record<string, unknown> | undefined {
  const queue = [answer];
  for (let index = 0; index < queue.length; index += 1) {
    const value = queue[index];
    if (isObject(value) && typeof value.secret === 'string') {
      return value;
    }
    if (typeof value === 'object' && value !== null) {
      queue.push(...Object.values(value));
    }
  }
  return undefined;
}

/**
 * The answer to a secret rotation, whose shape is not published: the endpoint, the secret
 * alone, either in `{ data: ... }` or nested deeper, or no content. By then the secret was
 * rotated, so any answer that carries it is read: every field of the result is kept, the
 * secret's object's fields on top, `id` defaulting to `endpointId`. An answer that is not an
 * object, holds no secret, and is not empty has an unexpected shape.
 */
export function readRotation(body: unknown, endpointId: string): WazapinEndpoint {
  const value = unwrapData(body);
  if (typeof value === 'string' && value.startsWith('whsec_')) {
    return { id: endpointId, secret: value } as WazapinEndpoint;
  }
  const holder = secretHolder(body);
  if (holder === undefined && body !== undefined && body !== null && !isObject(body)) {
    throw new UnexpectedAnswerError('expected an endpoint, its new secret, or no content');
  }
  const fields = { ...(isObject(value) ? value : {}), ...holder };
  const id = typeof fields.id === 'string' && fields.id !== '' ? fields.id : endpointId;
  // `url` and the rest are whatever the API sent; only `id` is certain.
  return { ...fields, id } as WazapinEndpoint;
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
