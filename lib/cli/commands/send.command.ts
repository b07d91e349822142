import { STATUS_CODES } from 'node:http';
import { isKnownWazapinEventType, WAZAPIN_EVENT_TYPES } from '../../events/wazapin-event-type.js';
import { isEventTypeName } from '../../events/event-type-name.js';
import { wazapinDeliveryRequest } from '../../testing/deliver-wazapin-event.js';
import { postWebhook } from '../../testing/post-webhook.js';
import { sampleWazapinPayload } from '../../testing/sample-wazapin-payload.js';
import { signWazapinDelivery } from '../../testing/sign-wazapin-delivery.js';
import type { CliCommand, CliIo } from '../cli-command.interface.js';
import { CliExitCode } from '../cli-exit-code.js';
import { cliSecrets } from '../cli-secrets.js';
import { CliUsageError } from '../cli-usage.error.js';
import { integerOption, parseCommandArgs, readOptionFile, requireOption } from '../parse-command-args.js';

const OPTIONS = {
  url: { type: 'string' },
  secret: { type: 'string', multiple: true },
  payload: { type: 'string' },
  envelope: { type: 'boolean' },
  'type-header': { type: 'string' },
  'header-family': { type: 'string' },
  id: { type: 'string' },
  timestamp: { type: 'string' },
  timeout: { type: 'string' },
} as const;

const USAGE = `Usage: wazapin-webhooks send <event-type> --url <url> --secret <whsec> [options]

Signs a delivery as Wazapin does and POSTs it to a webhook URL, printing the answer's status.
Exits 0 on a 2xx answer, 1 on any other answer or no answer, 2 on a wrong command line.

Arguments:
  <event-type>              ${WAZAPIN_EVENT_TYPES.join(', ')}, or any other type with --payload

Options:
  --url <url>               Where to POST, e.g. http://localhost:3000/webhooks/wazapin (required)
  --secret <whsec>          The endpoint's signing secret (required); repeat it to sign with
                            several, as Wazapin does during a secret rotation
  --payload <file>          A JSON object to send as the event (default: a sample of <event-type>)
  --envelope                Send {"event_id", "event_type", "data": <payload>} instead of the flat
                            payload. A flat body does not name its type: the receiver takes it from
                            the URL (…/webhooks/wazapin/<event-type>), --type-header, or its shape
  --type-header <name>      Also send the event type in this header (the module's eventTypeHeader)
  --header-family <name>    svix (svix-id, …; default) or webhook (webhook-id, …)
  --id <id>                 Delivery id (default: a fresh msg_…); reuse one to play a retry
  --timestamp <seconds>     Unix seconds to sign with (default: now), e.g. to test the replay window
  --timeout <ms>            How long to wait for the answer (default 15000, as the platform)
  -h, --help                Show this help

Example:
  wazapin-webhooks send message.new --url http://localhost:3000/webhooks/wazapin --secret "$WAZAPIN_WEBHOOK_SECRET"
`;

/** Most characters of the answer's body printed, so an HTML error page does not flood the terminal. */
const MAX_ANSWER_CHARS = 2000;

function readPayload(path: string): Record<string, unknown> {
  const text = readOptionFile(path, 'payload').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message quotes the text, which may hold secrets.
    throw new CliUsageError(`The --payload file ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliUsageError(`The --payload file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function headerFamily(value: string | undefined): 'svix' | 'webhook' {
  if (value === undefined || value === 'svix' || value === 'webhook') {
    return value ?? 'svix';
  }
  throw new CliUsageError('--header-family must be "svix" or "webhook"');
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function typeHeader(name: string | undefined, type: string): Record<string, string> {
  if (name === undefined) {
    return {};
  }
  if (!HEADER_NAME.test(name)) {
    throw new CliUsageError('--type-header must be a header name, e.g. x-wazapin-event');
  }
  return { [name.toLowerCase()]: type };
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not quoted: a secret typed in the wrong place must not reach a terminal or a CI log.
    throw new CliUsageError('--url is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliUsageError('--url must be an http: or https: URL');
  }
  return url;
}

/** `wazapin-webhooks send`: sign and post one delivery. */
export class SendCommand implements CliCommand {
  readonly name = 'send';
  readonly summary = 'Sign and POST a sample or given event to a webhook URL';
  readonly usage = USAGE;

  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, 1);
    const type = positionals[0];
    if (!type) {
      throw new CliUsageError('Missing <event-type>, e.g. message.new');
    }
    const url = parseUrl(requireOption(values.url, 'url'));
    const secrets = cliSecrets(values.secret);
    if (values.payload === undefined && !isKnownWazapinEventType(type)) {
      const named = isEventTypeName(type) && type.includes('.') ? `"${type}"` : 'that event type';
      throw new CliUsageError(`There is no sample of ${named}; give its payload with --payload <file>`);
    }
    const payload = values.payload === undefined ? sampleWazapinPayload(type) : readPayload(values.payload);
    const timestamp = values.timestamp === undefined ? undefined : integerOption(values.timestamp, 'timestamp', 0);
    const timeoutMs = integerOption(values.timeout, 'timeout', 15_000, 1);
    const family = headerFamily(values['header-family']);

    const request = wazapinDeliveryRequest(url.href, type, payload, values.envelope ? 'envelope' : 'flat');
    const delivery = signWazapinDelivery({ secrets, body: request.body, id: values.id, timestamp, headers: family });
    const extraHeaders = typeHeader(values['type-header'], type);
    io.out(
      `POST ${request.url}  ${type}  delivery ${delivery.id}, ${values.envelope ? 'envelope' : 'flat'} body of ${Buffer.byteLength(delivery.body)} bytes`,
    );
    return this.post(request.url, delivery.body, { ...extraHeaders, ...delivery.headers }, timeoutMs, io);
  }

  private async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number, io: CliIo): Promise<number> {
    let answer;
    try {
      answer = await postWebhook(url, body, headers, timeoutMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.err(code ? `No answer from ${new URL(url).origin}: ${code}` : (error as Error).message);
      return CliExitCode.Failed;
    }
    const text = answer.text.length > MAX_ANSWER_CHARS ? `${answer.text.slice(0, MAX_ANSWER_CHARS)}…` : answer.text;
    io.out(`${answer.status} ${STATUS_CODES[answer.status] ?? ''}${text ? `  ${text}` : ''}`);
    return answer.status >= 200 && answer.status < 300 ? CliExitCode.Ok : CliExitCode.Failed;
  }
}
