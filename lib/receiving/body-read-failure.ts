/**
 * Why the HTTP server could not hand a request's body to the route:
 * - `not-json`: a JSON body that does not parse (or is empty);
 * - `not-object`: JSON, but not an object (Express's strict parser refuses `null`, `1`, `"a"`);
 * - `too-large`: over the server's own body limit;
 * - `media-type`: a content type or encoding it does not read;
 * - `unreadable`: any other reading failure of the request (aborted, wrong length, a body
 *   that does not decompress).
 */
export type BodyReadFailure = 'not-json' | 'not-object' | 'too-large' | 'media-type' | 'unreadable';

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

/** Whether body-parser's copy of the body (on its errors) is JSON after all. */
function parsesAsJson(body: unknown): boolean {
  try {
    return typeof body === 'string' && (JSON.parse(body), true);
  } catch {
    return false;
  }
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
  if (status === 400 && typeof code === 'string' && typeof field(error, 'errno') === 'number') {
    // A body that does not decompress as its content-encoding says: body-parser passes zlib's error on.
    return 'unreadable';
  }
  if (typeof type !== 'string' || typeof status !== 'number' || status < 400 || status >= 500) {
    return undefined;
  }
  if (type === 'entity.parse.failed') {
    return parsesAsJson(field(error, 'body')) ? 'not-object' : 'not-json';
  }
  return status === 413 ? 'too-large' : status === 415 ? 'media-type' : 'unreadable';
}
