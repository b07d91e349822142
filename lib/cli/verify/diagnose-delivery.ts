import { NativeWebhookVerifier } from '../../signature/native-webhook-verifier.js';
import { decodeWebhookSecrets } from '../../signature/webhook-secret.js';
import { readWebhookHeaders, type WebhookSignatureHeaders } from '../../signature/webhook-headers.js';
import { checkWebhookTimestamp } from '../../signature/webhook-timestamp.js';
import { printable } from '../../utils/printable.js';

/** The outcome of one check: `skip` when it could not run or was turned off. */
export type DeliveryCheckStatus = 'ok' | 'fail' | 'skip';

/** One of the receiver's checks, applied to a captured delivery. */
export interface DeliveryCheck {
  readonly name: 'headers' | 'timestamp' | 'signature';
  readonly status: DeliveryCheckStatus;
  readonly detail: string;
  /** Likely causes of a failure, best first. */
  readonly hints: readonly string[];
}

/** Input of {@link diagnoseDelivery}. */
export interface DiagnoseDeliveryInput {
  /** Request headers, lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** The exact body bytes. */
  body: Buffer;
  /** Valid signing secrets. */
  secrets: readonly string[];
  toleranceSeconds: number;
  /** Report the timestamp without failing on its age, for old captures. */
  ignoreTimestamp: boolean;
  nowSeconds: number;
}

/** Every check, in the receiver's order, and whether the delivery passes them all. */
export interface DeliveryDiagnosis {
  readonly checks: readonly DeliveryCheck[];
  readonly verifies: boolean;
}

function duration(seconds: number): string {
  if (seconds < 120) {
    return `${seconds} s`;
  }
  if (seconds < 2 * 3600) {
    return `${Math.round(seconds / 60)} min`;
  }
  if (seconds < 2 * 86400) {
    return `${Math.round(seconds / 3600)} h`;
  }
  return `${Math.round(seconds / 86400)} days`;
}

function check(name: DeliveryCheck['name'], status: DeliveryCheckStatus, detail: string, hints: string[] = []): DeliveryCheck {
  return { name, status, detail, hints };
}

function headersCheck(raw: Readonly<Record<string, string>>): { check: DeliveryCheck; headers?: WebhookSignatureHeaders } {
  const headers = readWebhookHeaders(raw);
  if ('missing' in headers) {
    return {
      check: check('headers', 'fail', `missing ${headers.missing.join(', ')}`, [
        'A proxy or load balancer may drop unknown headers; capture them where the app receives the request.',
      ]),
    };
  }
  const family = raw['svix-id'] ? 'svix-*' : 'webhook-*';
  return { check: check('headers', 'ok', `delivery ${printable(headers.id)} (${family} headers)`), headers };
}

const INVALID_TIMESTAMP = check('timestamp', 'fail', 'the timestamp header is not an integer of Unix seconds');

function timestampCheck(header: string, input: DiagnoseDeliveryInput): DeliveryCheck {
  const result = checkWebhookTimestamp(header, input.toleranceSeconds, input.nowSeconds);
  if (!result.ok && result.reason === 'invalid-timestamp') {
    return INVALID_TIMESTAMP;
  }
  const seconds = Number(header);
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) {
    return check('timestamp', 'fail', 'the timestamp header is an integer, but past any date a clock can show');
  }
  const signedAt = date.toISOString();
  const age = input.nowSeconds - seconds;
  const when = age >= 0 ? `${duration(age)} ago` : `${duration(-age)} ahead of this machine's clock`;
  if (input.ignoreTimestamp) {
    return check('timestamp', 'skip', `signed ${signedAt}, ${when}; its age is not checked (--ignore-timestamp)`);
  }
  if (result.ok) {
    return check('timestamp', 'ok', `signed ${signedAt}, ${when}, within ${input.toleranceSeconds} s`);
  }
  return check('timestamp', 'fail', `signed ${signedAt}, ${when}; the receiver accepts ${input.toleranceSeconds} s either way`, [
    result.reason === 'timestamp-too-old'
      ? 'A captured delivery ages: pass --ignore-timestamp to check only its signature. Live deliveries this old point at a queue or proxy holding them, or at a slow clock here.'
      : "The sender's clock or this machine's is off; check NTP on both.",
  ]);
}

/** Counts the header's entries by version (`1 v1, 1 v1a`); anything else is "malformed", never quoted. */
function describeEntries(header: string): string {
  const versions = header
    .split(' ')
    .filter((entry) => entry !== '')
    .map((entry) => (/^v\d+[a-z]?,./.test(entry) ? entry.slice(0, entry.indexOf(',')) : 'malformed'));
  const counts = new Map<string, number>();
  versions.forEach((version) => counts.set(version, (counts.get(version) ?? 0) + 1));
  return [...counts].map(([version, count]) => `${count} ${version}`).join(', ') || 'nothing';
}

/** Index of the first secret that signed `body`, checked by the receiver's own verifier. */
function matchingSecret(headers: WebhookSignatureHeaders, body: Buffer, secrets: readonly string[]): number {
  // Checked "as of" the signed time: the timestamp has its own check, this one is the signature only.
  const asSigned = Number(headers.timestamp);
  return secrets.findIndex((secret) => new NativeWebhookVerifier({ keys: decodeWebhookSecrets(secret), toleranceSeconds: 1 }).verify(headers, body, asSigned).ok);
}

/** Bodies a capture commonly turns the sent bytes into, and what that means. */
function bodyHints(headers: WebhookSignatureHeaders, body: Buffer, secrets: readonly string[]): string[] {
  const text = body.toString('utf8');
  const variants: [string, string][] = [];
  const trimmed = text.replace(/(?:\r?\n)+$/, '');
  if (trimmed !== text) {
    variants.push([trimmed, 'The signature matches once the trailing newline is removed: the body file gained it when it was saved.']);
  }
  try {
    const compact = JSON.stringify(JSON.parse(text));
    if (compact !== text && compact !== trimmed) {
      variants.push([compact, 'The signature matches the compact JSON of this body: it was captured after parsing and re-encoding. Verify the raw bytes as received.']);
    }
  } catch {
    // Not JSON: no re-encoding to try.
  }
  return variants.filter(([variant]) => matchingSecret(headers, Buffer.from(variant), secrets) !== -1).map(([, hint]) => hint);
}

function signatureCheck(headers: WebhookSignatureHeaders, input: DiagnoseDeliveryInput): DeliveryCheck {
  const entries = describeEntries(headers.signature);
  if (!/(?:^| )v1,/.test(headers.signature)) {
    return check('signature', 'fail', `the signature header holds no v1 signature (${entries})`);
  }
  const match = matchingSecret(headers, input.body, input.secrets);
  if (match !== -1) {
    const which = input.secrets.length === 1 ? 'the secret' : `secret #${match + 1} of ${input.secrets.length}`;
    return check('signature', 'ok', `a v1 signature matches ${which}`);
  }
  const hints = bodyHints(headers, input.body, input.secrets);
  return check(
    'signature',
    'fail',
    `no v1 signature matches ${input.secrets.length === 1 ? 'the secret' : `any of the ${input.secrets.length} secrets`} (header holds ${entries})`,
    hints.length > 0
      ? hints
      : [
          "Each endpoint has its own secret: use the one of the endpoint this delivery came to. After a rotation, pass the old and the new one (--secret twice).",
          'The body must be the exact bytes received, captured before any JSON parsing or re-encoding.',
        ],
  );
}

/**
 * Applies the receiver's checks to a captured delivery one by one, carrying on past a failure
 * where it can, so the report names every check that fails and why.
 */
export function diagnoseDelivery(input: DiagnoseDeliveryInput): DeliveryDiagnosis {
  const { check: headers, headers: signed } = headersCheck(input.headers);
  if (!signed) {
    const skipped = (name: DeliveryCheck['name']) => check(name, 'skip', 'needs the three webhook headers');
    return { checks: [headers, skipped('timestamp'), skipped('signature')], verifies: false };
  }
  const timestamp = timestampCheck(signed.timestamp, input);
  const signature = timestamp !== INVALID_TIMESTAMP
    ? signatureCheck(signed, input)
    : check('signature', 'skip', 'needs a valid timestamp, which is part of the signed content');
  const checks = [headers, timestamp, signature];
  return { checks, verifies: checks.every((c) => c.status !== 'fail') && signature.status === 'ok' };
}
