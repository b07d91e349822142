import type { CliCommand, CliIo } from '../cli-command.interface.js';
import { CliExitCode } from '../cli-exit-code.js';
import { cliSecrets } from '../cli-secrets.js';
import { integerOption, parseCommandArgs, readOptionFile, requireOption } from '../parse-command-args.js';
import { type DeliveryCheck, diagnoseDelivery } from '../verify/diagnose-delivery.js';
import { readCapturedHeaders } from '../verify/read-captured-headers.js';

const OPTIONS = {
  secret: { type: 'string', multiple: true },
  headers: { type: 'string' },
  body: { type: 'string' },
  tolerance: { type: 'string' },
  'ignore-timestamp': { type: 'boolean' },
} as const;

const USAGE = `Usage: wazapin-webhooks verify --secret <whsec> --headers <file> --body <file> [options]

Checks a captured delivery as the receiver does (headers, timestamp, signature over the exact
body bytes) and says which check fails and why. Prints no secret and no signature.
Exits 0 when the delivery verifies, 1 when it does not, 2 on a wrong command line or file.

Options:
  --secret <whsec>          The endpoint's signing secret (required); repeat it to accept any of
                            several, as during a secret rotation
  --headers <file>          The request's headers: a JSON object, or "Name: value" lines as a
                            proxy log or curl -v shows them (required)
  --body <file>             The body exactly as received (required)
  --tolerance <seconds>     Accepted age or lead of the timestamp (default 300, as the module)
  --ignore-timestamp        Report the timestamp without failing on its age, to check the
                            signature of a capture older than the tolerance
  -h, --help                Show this help

Example:
  wazapin-webhooks verify --secret "$WAZAPIN_WEBHOOK_SECRET" --headers headers.txt --body body.json --ignore-timestamp
`;

const LABELS: Record<DeliveryCheck['status'], string> = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' };

/** `wazapin-webhooks verify`: explain whether a captured delivery verifies. */
export class VerifyCommand implements CliCommand {
  readonly name = 'verify';
  readonly summary = 'Check a captured delivery and say which check fails';
  readonly usage = USAGE;

  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS, 0);
    const secrets = cliSecrets(values.secret);
    const headersFile = requireOption(values.headers, 'headers');
    const bodyFile = requireOption(values.body, 'body');
    const toleranceSeconds = integerOption(values.tolerance, 'tolerance', 300, 1);
    const headers = readCapturedHeaders(readOptionFile(headersFile, 'headers').toString('utf8'), headersFile);
    const body = readOptionFile(bodyFile, 'body');

    const diagnosis = diagnoseDelivery({
      headers,
      body,
      secrets,
      toleranceSeconds,
      ignoreTimestamp: values['ignore-timestamp'] ?? false,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    for (const check of diagnosis.checks) {
      io.out(`${LABELS[check.status]}  ${check.name.padEnd(9)}  ${check.detail}`);
      check.hints.forEach((hint) => io.out(`                 - ${hint}`));
    }
    if (diagnosis.verifies) {
      io.out('The delivery verifies.');
      return CliExitCode.Ok;
    }
    const failed = diagnosis.checks.filter((check) => check.status === 'fail').map((check) => check.name);
    io.out(`The delivery does not verify: the ${failed.join(' and ')} check${failed.length > 1 ? 's fail' : ' fails'}.`);
    return CliExitCode.Failed;
  }
}
