/**
 * Why the HTTP server could not hand a request's body to the route:
 * - `not-json`: a JSON body that does not parse (or is empty);
 * - `too-large`: over the server's own body limit;
 * - `media-type`: a content type or encoding it does not read;
 * - `unreadable`: any other reading failure of the request (aborted, wrong length).
 */
export type BodyReadFailure = 'not-json' | 'too-large' | 'media-type' | 'unreadable';

/** Fastify's body errors, by code. */
const FASTIFY_CODES: Readonly<Record<string, BodyReadFailure>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'not-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'not-json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'unreadable',
};

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/**
 * Reads an error the HTTP server raised before the route ran: Express's body-parser errors
 * (they carry a `type` such as `entity.parse.failed` and a 4xx `status`), or Fastify's
 * content type parser errors (`FST_ERR_CTP_*`). `undefined` for any other error, which the
 * app's own handling keeps.
 */
export function bodyReadFailure(error: unknown): BodyReadFailure | undefined {
  const code = field(error, 'code');
  if (typeof code === 'string' && code in FASTIFY_CODES) {
    return FASTIFY_CODES[code];
  }
  const type = field(error, 'type');
  const status = field(error, 'status');
  if (typeof type !== 'string' || typeof status !== 'number' || status < 400 || status >= 500) {
    return undefined;
  }
  if (type === 'entity.parse.failed') {
    return 'not-json';
  }
  return status === 413 ? 'too-large' : status === 415 ? 'media-type' : 'unreadable';
}
