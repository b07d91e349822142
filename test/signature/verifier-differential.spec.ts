import { isUtf8 } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { Webhook } from 'svix';
import { NativeWebhookVerifier } from '../../lib/signature/native-webhook-verifier.js';
import { SvixWebhookVerifier } from '../../lib/signature/svix-webhook-verifier.js';
import { readWebhookHeaders, type WebhookSignatureHeaders } from '../../lib/signature/webhook-headers.js';
import { decodeWebhookSecrets } from '../../lib/signature/webhook-secret.js';
import type { WebhookVerificationFailure, WebhookVerificationResult } from '../../lib/signature/webhook-verifier.interface.js';
import { SeededRandom, seedFromEnv } from '../support/seeded-random.js';

/*
 * Must-show 3: the native verifier (Node's crypto) and the svix verifier (the svix library)
 * agree on generated deliveries, valid and mutated, and both give the verdict the case was
 * built to have. Every delivery is signed by svix's own `Webhook.sign` at the current time,
 * so the expected verdicts do not come from the code under test.
 *
 * Replay a failure with WAZAPIN_DIFF_SEED=<seed printed in the failure>.
 */
const SEED = seedFromEnv('WAZAPIN_DIFF_SEED', 0x5eed_2024);
const DELIVERIES = 12_000;

/** What a delivery should get: accepted, a verifier's reason, or stopped at header reading. */
type Verdict = 'ok' | WebhookVerificationFailure | 'missing-header';

interface Delivery {
  /** Secrets the verifiers are configured with. */
  secrets: string | string[];
  body: Buffer;
  /** The three headers as the verifier gets them, or raw request headers (read by `readWebhookHeaders`). */
  headers: WebhookSignatureHeaders | { raw: Record<string, string> };
  expected: Verdict;
}

interface Context {
  rng: SeededRandom;
  now: number;
  toleranceSeconds: number;
}

/** A delivery as the platform signs it: svix's `Webhook.sign` over a body and timestamp. */
interface Signed {
  secret: string;
  id: string;
  timestamp: number;
  text: string;
  /** The base64 part of the `v1,` signature. */
  base64: string;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const NAMES = ['Budi Santoso', 'Siti Nurhaliza', 'José Álvarez', '李小龙', 'Ayu 🌸 Lestari', 'Renée "Q" O\'Neil', 'tab\tand\nnewline'];
const STATUSES = ['sent', 'delivered', 'read', 'failed'];

function svixSign(secret: string, id: string, timestamp: number, text: string): string {
  return new Webhook(secret).sign(id, new Date(timestamp * 1000), text);
}

function newSecret(rng: SeededRandom): string {
  const encoded = rng.bytes(rng.int(24, 64)).toString('base64');
  return rng.next() < 0.8 ? `whsec_${encoded}` : encoded;
}

/** The HMAC key of a secret, decoded here rather than by the code under test. */
function decodeSecret(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

function togglePrefix(secret: string): string {
  return secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : `whsec_${secret}`;
}

function hex(rng: SeededRandom, bytes: number): string {
  return rng.bytes(bytes).toString('hex');
}

function newId(rng: SeededRandom): string {
  return `msg_${rng.bytes(rng.int(8, 20)).toString('base64url')}`;
}

function eventPayload(rng: SeededRandom): Record<string, unknown> {
  const name = rng.pick(NAMES);
  const ids = { message_id: hex(rng, 16), conversation_id: hex(rng, 16), contact_id: hex(rng, 16) };
  const payloads: Record<string, unknown>[] = [
    { ...ids, channel_id: 'wzp_abc123', direction: 'inbound', from_phone: `62${rng.int(10_000_000, 99_999_999)}`, msg_type: 'text', contact_name: name },
    { message_id: ids.message_id, conversation_id: ids.conversation_id, status: rng.pick(STATUSES), organization_id: 'org_123' },
    { conversation_id: ids.conversation_id, contact_id: ids.contact_id, status: 'open', preview: name, assignee_id: null },
    { event_id: hex(rng, 8), event_type: 'contact.updated', data: { contact_id: ids.contact_id, name, tags: ['vip', rng.int(0, 9)] } },
  ];
  return rng.pick(payloads);
}

type JsonFormat = 'compact' | 'pretty' | 'spaced' | 'ascii-escaped';

/** Encodes a payload as different senders would; only `compact` is what `JSON.stringify` gives back. */
function encodeJson(payload: Record<string, unknown>, format: JsonFormat): string {
  switch (format) {
    case 'compact':
      return JSON.stringify(payload);
    case 'pretty':
      return JSON.stringify(payload, null, 2);
    case 'spaced': // Python's json.dumps default separators
      return `{${Object.entries(payload)
        .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
        .join(', ')}}`;
    case 'ascii-escaped':
      return JSON.stringify(payload).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
}

function randomBodyText(rng: SeededRandom): string {
  return encodeJson(eventPayload(rng), rng.pick<JsonFormat>(['compact', 'pretty', 'spaced', 'ascii-escaped']));
}

/** An offset from now inside the tolerance, where the svix library's own 300 s check agrees (see `run`). */
function offsetInside({ rng, toleranceSeconds }: Context): number {
  return toleranceSeconds === 300 ? rng.int(-299, 300) : rng.int(-toleranceSeconds, toleranceSeconds);
}

function offsetOutside({ rng, toleranceSeconds }: Context, direction: 'past' | 'future'): number {
  const distance = rng.pick([toleranceSeconds + 1, toleranceSeconds + rng.int(2, 3600), rng.int(86_400, 10 ** 9)]);
  return direction === 'past' ? -distance : distance;
}

function sign(c: Context, options: Partial<Pick<Signed, 'secret' | 'text'>> & { offset?: number } = {}): Signed {
  const secret = options.secret ?? newSecret(c.rng);
  const id = newId(c.rng);
  const timestamp = c.now + (options.offset ?? offsetInside(c));
  const text = options.text ?? randomBodyText(c.rng);
  const signature = svixSign(secret, id, timestamp, text);
  return { secret, id, timestamp, text, base64: signature.slice('v1,'.length) };
}

/** The delivery as sent, with any field replaced. */
function delivery(s: Signed, overrides: Partial<Delivery & WebhookSignatureHeaders> = {}): Delivery {
  return {
    secrets: overrides.secrets ?? [s.secret],
    body: overrides.body ?? Buffer.from(s.text),
    headers: overrides.headers ?? {
      id: overrides.id ?? s.id,
      timestamp: overrides.timestamp ?? String(s.timestamp),
      signature: overrides.signature ?? `v1,${s.base64}`,
    },
    expected: overrides.expected ?? 'ok',
  };
}

/** A delivery whose signature does not match; bytes that are not UTF-8 are refused as such first. */
function mismatch(s: Signed, overrides: Partial<Delivery & WebhookSignatureHeaders>): Delivery {
  const body = overrides.body ?? Buffer.from(s.text);
  return delivery(s, { expected: isUtf8(body) ? 'no-matching-signature' : 'body-not-utf8', ...overrides });
}

/** A fake `v1` signature of the right length. */
function fakeV1(rng: SeededRandom): string {
  return `v1,${rng.bytes(32).toString('base64')}`;
}

/** Stops the run when a generator did not build the case it claims to. */
function premise(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(`case premise failed: ${what}`);
  }
}

function randomCase(name: string, rng: SeededRandom): string {
  return [...name].map((c) => (rng.bool() ? c.toUpperCase() : c)).join('');
}

/** Raw request headers of a delivery: chosen names in random casing and order, among other headers. */
function rawHeaders(rng: SeededRandom, fields: [name: string, value: string][]): Record<string, string> {
  const all: [string, string][] = [
    ...fields.map(([name, value]): [string, string] => [randomCase(name, rng), value]),
    ['Content-Type', 'application/json'],
    ['User-Agent', 'Svix-Webhooks/1.0'],
  ];
  return Object.fromEntries(rng.shuffle(all));
}

function familyFields(s: Signed, family: 'svix' | 'webhook'): [string, string][] {
  return [
    [`${family}-id`, s.id],
    [`${family}-timestamp`, String(s.timestamp)],
    [`${family}-signature`, `v1,${s.base64}`],
  ];
}

const CATEGORIES: Record<string, (c: Context) => Delivery> = {
  'valid: signed now': (c) => delivery(sign(c)),
  'valid: body not JSON, signature good': (c) =>
    delivery(sign(c, { text: c.rng.pick(['', 'not json', '[1,2', '{"a":', 'ok\n', '<xml/>']) + c.rng.pick(['', ` ${hex(c.rng, 3)}`]) })),
  'valid: timestamp at the tolerance edge': (c) =>
    // -300 is left out under the default 300 s tolerance: the svix library reads the real clock
    // a moment after us, and a second ticking in between would make that case flaky.
    delivery(sign(c, { offset: c.toleranceSeconds === 300 ? c.rng.pick([300, -299]) : c.rng.pick([1, -1]) * c.toleranceSeconds })),

  'body: one bit flipped': (c) => {
    const s = sign(c);
    const body = Buffer.from(s.text);
    body[c.rng.int(0, body.length - 1)] ^= 1 << c.rng.int(0, 7);
    return mismatch(s, { body });
  },
  'body: whitespace appended': (c) => {
    const s = sign(c);
    return mismatch(s, { body: Buffer.from(s.text + c.rng.pick([' ', '\n', '\r\n', '\t', '  '])) });
  },
  'body: JSON re-encoded': (c) => {
    // What a framework that parses and re-serializes the body would verify.
    const text = c.rng.bool()
      ? encodeJson({ ...eventPayload(c.rng), contact_name: 'Ayu 🌸 Lestari' }, c.rng.pick<JsonFormat>(['pretty', 'spaced', 'ascii-escaped']))
      : `{"test": ${c.rng.int(1, 9)}${c.rng.int(10 ** 15, 10 ** 16 - 1)}${c.rng.int(100, 999)}}`; // beyond 2^53
    const s = sign(c, { text });
    const reencoded = JSON.stringify(JSON.parse(text));
    premise(reencoded !== text, 're-encoding changed the bytes');
    return mismatch(s, { body: Buffer.from(reencoded) });
  },
  'body: truncated': (c) => {
    const s = sign(c);
    return mismatch(s, { body: Buffer.from(s.text).subarray(0, -c.rng.int(1, Buffer.byteLength(s.text))) });
  },
  'body: invalid UTF-8 that decodes to the signed text': (c) => {
    // The signed text holds U+FFFD; the sent bytes hold a lone invalid byte there instead,
    // which a UTF-8 decoder turns into U+FFFD again. Different bytes, same decoded text.
    const s = sign(c, { text: encodeJson({ ...eventPayload(c.rng), contact_name: 'Bud\uFFFD Santoso' }, 'compact') });
    const signed = Buffer.from(s.text);
    const at = signed.indexOf(Buffer.from('\uFFFD'));
    const body = Buffer.concat([signed.subarray(0, at), Buffer.from([c.rng.pick([0xff, 0xfe, 0x80, 0xbf, 0xc0, 0xc1, 0xf5])]), signed.subarray(at + 3)]);
    premise(body.toString('utf8') === s.text && !body.equals(signed), 'bytes differ but decode to the signed text');
    return mismatch(s, { body });
  },

  'body: not UTF-8, its exact bytes signed': (c) => {
    // Standard Webhooks signs bytes, but the svix library can only verify decoded text, so
    // both verifiers refuse what is not UTF-8. JSON is UTF-8: no genuine delivery is affected.
    const s = sign(c);
    const at = c.rng.int(0, s.text.length);
    const body = Buffer.concat([Buffer.from(s.text.slice(0, at)), Buffer.from([c.rng.pick([0xe9, 0xff, 0x80, 0xc0])]), Buffer.from(s.text.slice(at))]);
    const mac = createHmac('sha256', decodeSecret(s.secret)).update(`${s.id}.${s.timestamp}.`).update(body).digest('base64');
    premise(!isUtf8(body), 'body is not UTF-8');
    return delivery(s, { body, signature: `v1,${mac}`, expected: 'body-not-utf8' });
  },

  'id: changed': (c) => {
    const s = sign(c);
    const id = c.rng.pick([newId(c.rng), `${s.id}x`, s.id.slice(0, -1), `${s.id} `, s.id.replace('msg_', 'MSG_')]);
    premise(id !== s.id, 'id changed');
    return mismatch(s, { id });
  },

  'timestamp: signed too long ago': (c) => delivery(sign(c, { offset: offsetOutside(c, 'past') }), { expected: 'timestamp-too-old' }),
  'timestamp: signed too far ahead': (c) => delivery(sign(c, { offset: offsetOutside(c, 'future') }), { expected: 'timestamp-too-new' }),
  'timestamp: header changed within tolerance': (c) => {
    const s = sign(c);
    let other = s.timestamp;
    while (other === s.timestamp) {
      other = c.now + offsetInside(c);
    }
    return mismatch(s, { timestamp: String(other) });
  },
  'timestamp: header changed beyond tolerance': (c) => {
    const s = sign(c);
    const direction = c.rng.pick(['past', 'future'] as const);
    return delivery(s, {
      timestamp: String(c.now + offsetOutside(c, direction)),
      expected: direction === 'past' ? 'timestamp-too-old' : 'timestamp-too-new',
    });
  },
  'timestamp: header not a plain integer': (c) => {
    // Each form parses to the signed value with parseInt, as the svix library reads it.
    const s = sign(c);
    const t = String(s.timestamp);
    const timestamp = c.rng.pick([`0${t}`, `+${t}`, ` ${t}`, `${t} `, `${t}.0`, `${t}abc`, `${t}e0`, `${t}\n`]);
    premise(parseInt(timestamp, 10) === s.timestamp, 'parseInt reads the signed value');
    return delivery(s, { timestamp, expected: 'invalid-timestamp' });
  },

  'signature: one character changed': (c) => {
    const s = sign(c);
    const at = c.rng.int(0, 42); // the 43 characters before the "=" padding
    // Header values reach us as latin-1 text, so a non-ASCII character is a possible input.
    const replacement = c.rng.pick([...BASE64_ALPHABET, 'é', 'ÿ', 'Ā', '€'].filter((ch) => ch !== s.base64[at]));
    return mismatch(s, { signature: `v1,${s.base64.slice(0, at)}${replacement}${s.base64.slice(at + 1)}` });
  },
  'signature: same bytes, non-canonical base64': (c) => {
    // The last character carries 2 unused bits; changing them keeps the decoded bytes. Only the
    // canonical text is the signature (svix compares text), so this must not verify.
    const s = sign(c);
    const last = BASE64_ALPHABET.indexOf(s.base64[42]);
    const changed = BASE64_ALPHABET[(last & ~3) | c.rng.pick([0, 1, 2, 3].filter((bits) => bits !== (last & 3)))];
    const base64 = `${s.base64.slice(0, 42)}${changed}=`;
    premise(base64 !== s.base64 && Buffer.from(base64, 'base64').equals(Buffer.from(s.base64, 'base64')), 'same bytes, other text');
    return mismatch(s, { signature: `v1,${base64}` });
  },
  'signature: right text but a non-ASCII last character': (c) => {
    // After a full-length entry, so an implementation that compares a fixed-size buffer and
    // ignores a short write would see the previous entry's "=" and wrongly match.
    const s = sign(c);
    const almost = `v1,${s.base64.slice(0, 43)}${c.rng.pick(['é', 'ÿ', 'Ā', '€'])}`;
    return mismatch(s, { signature: `${fakeV1(c.rng)} ${almost}` });
  },
  'signature: truncated': (c) => {
    const s = sign(c);
    return mismatch(s, { signature: `v1,${s.base64.slice(0, c.rng.int(0, 43))}` });
  },
  'signature: wrong version prefix': (c) => {
    const s = sign(c);
    return mismatch(s, { signature: `${c.rng.pick(['v2,', 'v0,', 'V1,', 'v1 ,', 'v1;', ',', 'v1', 'v11,', 'v1a,', '1,'])}${s.base64}` });
  },
  'signature: v1a entries only': (c) => {
    const s = sign(c);
    const entries = [`v1a,${s.base64}`, `v1a,${c.rng.bytes(64).toString('base64')}`];
    return mismatch(s, { signature: c.rng.shuffle(entries).slice(0, c.rng.int(1, 2)).join(' ') });
  },
  'signature: v1a entries and a valid v1': (c) => {
    const s = sign(c);
    const entries = [`v1,${s.base64}`, `v1a,${c.rng.bytes(64).toString('base64')}`, `v1a,${c.rng.bytes(64).toString('base64')}`];
    return delivery(s, { signature: c.rng.shuffle(entries.slice(0, c.rng.int(2, 3))).join(' ') });
  },
  'signature: several v1, one valid, any position': (c) => {
    const s = sign(c);
    const fakes = Array.from({ length: c.rng.int(1, 5) }, () => fakeV1(c.rng));
    return delivery(s, { signature: c.rng.shuffle([...fakes, `v1,${s.base64}`]).join(' ') });
  },
  'signature: several v1, none valid': (c) => {
    const s = sign(c);
    // Realistic fakes too: the same message signed under other secrets.
    const others = Array.from({ length: c.rng.int(1, 3) }, () => svixSign(newSecret(c.rng), s.id, s.timestamp, s.text));
    const fakes = Array.from({ length: c.rng.int(1, 3) }, () => fakeV1(c.rng));
    return mismatch(s, { signature: c.rng.shuffle([...others, ...fakes]).join(' ') });
  },
  'signature: base64url alphabet': (c) => {
    const s = sign(c);
    return mismatch(s, { signature: `v1,${Buffer.from(s.base64, 'base64').toString('base64url')}` });
  },
  'signature: extra separators around a valid v1': (c) => {
    const s = sign(c);
    const valid = `v1,${s.base64}`;
    return delivery(s, {
      signature: c.rng.pick([
        ` ${valid}`,
        `${valid} `,
        `${fakeV1(c.rng)}  ${valid}`,
        `${fakeV1(c.rng)}, ${valid}`, // two signature headers, joined by Node with ", "
        `${valid}, ${fakeV1(c.rng)}`,
        `${valid},extra`, // text after a second comma is not part of the signature
      ]),
    });
  },

  'secret: wrong secret': (c) => mismatch(sign(c), { secrets: [newSecret(c.rng)] }),
  'secret: two configured, the second matches': (c) => {
    const s = sign(c);
    return delivery(s, { secrets: [newSecret(c.rng), s.secret] });
  },
  'secret: two configured, the first matches': (c) => {
    const s = sign(c);
    return delivery(s, { secrets: [s.secret, newSecret(c.rng)] });
  },
  'secret: two configured, neither matches': (c) => mismatch(sign(c), { secrets: [newSecret(c.rng), newSecret(c.rng)] }),
  'secret: rotation, one signature per secret': (c) => {
    const s = sign(c);
    const other = newSecret(c.rng);
    const entries = [`v1,${s.base64}`, svixSign(other, s.id, s.timestamp, s.text)];
    return delivery(s, { signature: c.rng.shuffle(entries).join(' '), secrets: [c.rng.pick([s.secret, other])] });
  },
  'secret: whsec_ prefix on one side only': (c) => {
    const s = sign(c);
    return delivery(s, { secrets: [togglePrefix(s.secret)] });
  },
  'secret: several in one string': (c) => {
    const s = sign(c);
    const list = c.rng.shuffle([s.secret, newSecret(c.rng), ...(c.rng.bool() ? [newSecret(c.rng)] : [])]);
    return delivery(s, { secrets: list.join(c.rng.pick([' ', ',', ', ', '\n'])) });
  },

  'headers: svix-* family': (c) => {
    const s = sign(c);
    return delivery(s, { headers: { raw: rawHeaders(c.rng, familyFields(s, 'svix')) } });
  },
  'headers: webhook-* family': (c) => {
    const s = sign(c);
    return delivery(s, { headers: { raw: rawHeaders(c.rng, familyFields(s, 'webhook')) } });
  },
  'headers: both families, svix-* valid': (c) => {
    // The svix-* header of each field wins, as in the svix library.
    const s = sign(c);
    const decoy = sign(c, { text: s.text });
    return delivery(s, { headers: { raw: rawHeaders(c.rng, [...familyFields(s, 'svix'), ...familyFields(decoy, 'webhook')]) } });
  },
  'headers: both families, only webhook-* valid': (c) => {
    const s = sign(c);
    const decoy = sign(c, { text: s.text });
    return delivery(s, {
      headers: { raw: rawHeaders(c.rng, [...familyFields(decoy, 'svix'), ...familyFields(s, 'webhook')]) },
      expected: 'no-matching-signature',
    });
  },
  'headers: families mixed field by field': (c) => {
    const s = sign(c);
    const fields = familyFields(s, 'svix').map(([name, value]): [string, string] => [c.rng.bool() ? name : name.replace('svix-', 'webhook-'), value]);
    return delivery(s, { headers: { raw: rawHeaders(c.rng, fields) } });
  },
  'headers: one missing': (c) => {
    const s = sign(c);
    const fields = familyFields(s, c.rng.pick(['svix', 'webhook'] as const));
    fields.splice(c.rng.int(0, 2), 1);
    return delivery(s, { headers: { raw: rawHeaders(c.rng, fields) }, expected: 'missing-header' });
  },
};

function verdict(result: WebhookVerificationResult): Verdict {
  return result.ok ? 'ok' : result.reason;
}

/** The svix library's own verdict on raw headers, with the same JSON rule as `SvixWebhookVerifier`. */
function svixLibraryAccepts(secret: string, body: Buffer, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch (error) {
    return error instanceof SyntaxError;
  }
}

interface Outcome {
  native: Verdict;
  svix: Verdict;
  /** For raw-header cases: whether the svix library, reading the raw headers itself, accepts. */
  library?: boolean;
  /** Accepted timestamps, in ms, from each verifier. */
  timestamps: number[];
  /** The timestamp header that was verified. */
  timestampHeader?: string;
}

/**
 * Runs one delivery through both verifiers with the same `nowSeconds`. The svix verifier's
 * library also checks its own 300 s window against the real clock, a moment later; offsets are
 * chosen so that check can never decide (see `offsetInside`).
 */
function run(d: Delivery, c: Context): Outcome {
  const options = { keys: decodeWebhookSecrets(d.secrets), toleranceSeconds: c.toleranceSeconds };
  const native = new NativeWebhookVerifier(options);
  const svix = new SvixWebhookVerifier(options);
  let headers: WebhookSignatureHeaders;
  let library: boolean | undefined;
  if ('raw' in d.headers) {
    // Node's HTTP parser lower-cases header names before the guard reads them; the svix
    // library lower-cases them itself.
    const lowered = Object.fromEntries(Object.entries(d.headers.raw).map(([name, value]) => [name.toLowerCase(), value]));
    const read = readWebhookHeaders(lowered);
    // Raw-header cases configure the signer's secret alone.
    library = svixLibraryAccepts((d.secrets as string[])[0], d.body, d.headers.raw);
    if ('missing' in read) {
      return { native: 'missing-header', svix: 'missing-header', library, timestamps: [] };
    }
    headers = read;
  } else {
    headers = d.headers;
  }
  const results = [native.verify(headers, d.body, c.now), svix.verify(headers, d.body, c.now)];
  return {
    native: verdict(results[0]),
    svix: verdict(results[1]),
    library,
    timestamps: results.flatMap((r) => (r.ok ? [r.timestamp.getTime()] : [])),
    timestampHeader: headers.timestamp,
  };
}

function problems(d: Delivery, outcome: Outcome): string[] {
  const found: string[] = [];
  if (outcome.native !== outcome.svix) {
    found.push(`verifiers disagree: native ${outcome.native}, svix ${outcome.svix}`);
  }
  if (outcome.native !== d.expected || outcome.svix !== d.expected) {
    found.push(`expected ${d.expected}, got native ${outcome.native}, svix ${outcome.svix}`);
  }
  if (outcome.library !== undefined && outcome.library !== (d.expected === 'ok')) {
    found.push(`svix library on the raw headers ${outcome.library ? 'accepts' : 'rejects'}`);
  }
  if (outcome.timestamps.some((ms) => ms !== Number(outcome.timestampHeader) * 1000)) {
    found.push(`accepted with timestamps ${outcome.timestamps.join(', ')} for header ${outcome.timestampHeader}`);
  }
  return found;
}

describe('native and svix verifiers, differential', () => {
  it(`agree with each other and with the expected verdict on ${DELIVERIES} generated deliveries`, () => {
    const rng = new SeededRandom(SEED);
    const categories = Object.entries(CATEGORIES);
    const counts = new Map<string, { ok: number; rejected: number }>(categories.map(([name]) => [name, { ok: 0, rejected: 0 }]));
    const failures: string[] = [];

    for (let index = 0; index < DELIVERIES; index++) {
      const [category, build] = categories[index % categories.length];
      const context: Context = { rng, now: Math.floor(Date.now() / 1000), toleranceSeconds: rng.pick([300, 60]) };
      let found: string[];
      let expected: Verdict;
      try {
        const d = build(context);
        expected = d.expected;
        found = problems(d, run(d, context));
      } catch (error) {
        throw new Error(`seed ${SEED}, delivery #${index} (${category}): ${String(error)}`);
      }
      const count = counts.get(category)!;
      expected === 'ok' ? count.ok++ : count.rejected++;
      if (found.length > 0) {
        failures.push(`#${index} ${category} (tolerance ${context.toleranceSeconds}): ${found.join('; ')}`);
      }
    }

    expect({ seed: SEED, failureCount: failures.length, firstFailures: failures.slice(0, 10) }).toEqual({
      seed: SEED,
      failureCount: 0,
      firstFailures: [],
    });
    // Every category ran often enough to meet each of its random variants many times over.
    expect([...counts].filter(([, count]) => count.ok + count.rejected < 300).map(([category]) => category)).toEqual([]);
    expect([...counts.values()].reduce((sum, c) => sum + c.ok + c.rejected, 0)).toBe(DELIVERIES);
    // Both verdicts were exercised in quantity, not just rejections.
    expect([...counts.values()].reduce((sum, c) => sum + c.ok, 0)).toBeGreaterThan(DELIVERIES / 3);
  });
});

describe('documented divergences from the svix library', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"message_id":"m1","direction":"inbound"}';
  const verifiers = () => [
    new NativeWebhookVerifier({ keys: decodeWebhookSecrets(secret), toleranceSeconds: 300 }),
    new SvixWebhookVerifier({ keys: decodeWebhookSecrets(secret), toleranceSeconds: 300 }),
  ];

  it.each(['abc', ' ', '.0', 'e0'])(
    'a timestamp with trailing "%s": the svix library reads it with parseInt and accepts; both our verifiers reject it',
    (suffix) => {
      // A timestamp header is an integer; accepting "1614265330abc" would let the same signed
      // delivery pass with many different header values.
      const now = Math.floor(Date.now() / 1000);
      const signature = svixSign(secret, 'msg_1', now, body);
      const headers = { id: 'msg_1', timestamp: `${now}${suffix}`, signature };

      expect(svixLibraryAccepts(secret, Buffer.from(body), { 'webhook-id': 'msg_1', 'webhook-timestamp': headers.timestamp, 'webhook-signature': signature })).toBe(true);
      for (const verifier of verifiers()) {
        expect(verifier.verify(headers, Buffer.from(body), now)).toEqual({ ok: false, reason: 'invalid-timestamp' });
      }
    },
  );

  it('a body whose bytes differ from the signed text but decode to it: the svix library accepts; both our verifiers reject it', () => {
    // The svix library verifies `body.toString()`, a lossy UTF-8 decoding, not the bytes sent.
    const now = Math.floor(Date.now() / 1000);
    const signedText = '{"name":"Bud\uFFFD"}';
    const signature = svixSign(secret, 'msg_2', now, signedText);
    const sent = Buffer.concat([Buffer.from('{"name":"Bud'), Buffer.from([0xff]), Buffer.from('"}')]);

    expect(svixLibraryAccepts(secret, sent, { 'webhook-id': 'msg_2', 'webhook-timestamp': String(now), 'webhook-signature': signature })).toBe(true);
    for (const verifier of verifiers()) {
      expect(verifier.verify({ id: 'msg_2', timestamp: String(now), signature }, sent, now)).toEqual({ ok: false, reason: 'body-not-utf8' });
    }
  });

  it('an empty svix-* header next to a webhook-* one: we read the webhook-* value; the svix library reports it missing', () => {
    // The svix library picks `svix-id ?? webhook-id`, so an empty svix-id shadows the other.
    // Reading it as absent costs nothing: the signature must still match the id we use.
    const now = Math.floor(Date.now() / 1000);
    const raw = {
      'svix-id': '',
      'webhook-id': 'msg_4',
      'webhook-timestamp': String(now),
      'webhook-signature': svixSign(secret, 'msg_4', now, body),
    };

    expect(svixLibraryAccepts(secret, Buffer.from(body), raw)).toBe(false);
    expect(readWebhookHeaders(raw)).toEqual({ id: 'msg_4', timestamp: raw['webhook-timestamp'], signature: raw['webhook-signature'] });
  });

  it('a body that is not UTF-8 but whose exact bytes were signed: both refuse it as not UTF-8', () => {
    // Standard Webhooks signs raw bytes; the svix library can only verify a decoded string, so
    // one rule for both: what is not UTF-8 is refused. JSON is UTF-8, so no genuine Wazapin
    // delivery is affected.
    const now = Math.floor(Date.now() / 1000);
    const sent = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe9]), Buffer.from('"}')]); // latin-1 "é"
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`msg_3.${now}.`).update(sent).digest('base64');
    const headers = { id: 'msg_3', timestamp: String(now), signature: `v1,${mac}` };

    for (const verifier of verifiers()) {
      expect(verifier.verify(headers, sent, now)).toEqual({ ok: false, reason: 'body-not-utf8' });
    }
  });
});
