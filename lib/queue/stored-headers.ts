/** Headers a queued delivery keeps by default: none is a credential. */
const DEFAULT_STORED_HEADERS: readonly string[] = [
  'content-type',
  'user-agent',
  'svix-id',
  'svix-timestamp',
  'webhook-id',
  'webhook-timestamp',
];

/** Never stored, even when listed: a signature is spent once verified, and replayable until its timestamp ages out. */
const SIGNATURE_HEADERS: ReadonlySet<string> = new Set(['svix-signature', 'webhook-signature']);

/**
 * The lower-case names of the headers a queued delivery keeps: `configured` (`queue.headers`),
 * else the defaults and the module's event type header; never a signature header.
 */
export function storedHeaderNames(configured: readonly string[] | undefined, eventTypeHeader: string | undefined): readonly string[] {
  const names = configured ?? (eventTypeHeader ? [...DEFAULT_STORED_HEADERS, eventTypeHeader] : DEFAULT_STORED_HEADERS);
  return [...new Set(names.map((name) => name.toLowerCase()))].filter((name) => !SIGNATURE_HEADERS.has(name));
}

/** The headers among `names` that `headers` (lower-case names, as the receiver gives them) holds. */
export function pickHeaders(headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    if (Object.hasOwn(headers, name)) {
      picked[name] = headers[name];
    }
  }
  return picked;
}
