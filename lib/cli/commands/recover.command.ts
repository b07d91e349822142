import { wazapinApiOptionsFromEnv } from '../../api/wazapin-api-env.js';
import { WazapinWebhooksApiService } from '../../api/wazapin-webhooks-api.service.js';
import { WazapinValidationError } from '../../api/wazapin-validation.error.js';
import type { WazapinRecoveryProgress, WazapinRecoveryResult } from '../../recovery/wazapin-recovery.interface.js';
import { errorMessage } from '../../utils/error-message.js';
import { printable } from '../../utils/printable.js';
import type { CliCommand, CliIo } from '../cli-command.interface.js';
import { CliExitCode } from '../cli-exit-code.js';
import { CliUsageError } from '../cli-usage.error.js';
import { integerOption, parseCommandArgs, requireOption } from '../parse-command-args.js';

const OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  endpoint: { type: 'string' },
  'event-type': { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

const USAGE = `Usage: wazapin-webhooks recover --since <when> [options]

Retries, once each, the deliveries Wazapin gave up on: per message, its newest failed attempt in
the window unless a later attempt succeeded. Reads WAZAPIN_API_KEY (required), WAZAPIN_API_BASE_URL
and WAZAPIN_ORG_SLUG, as the module does. A delivery your app handled already is answered as a
duplicate by its deduplication, its handlers not run again.
Exits 0 when every retry was accepted, 1 when some failed, 2 on a wrong command line.

Options:
  --since <when>         Start of the window (required): a duration back from now (90s, 30m, 2h,
                         3d) or an ISO 8601 time (2026-12-01T10:00Z)
  --until <when>         End of the window, in the same forms (default: now)
  --endpoint <id>        Only this endpoint's deliveries, retried to it only
  --event-type <type>    Only this event type; repeat for several
  --concurrency <n>      Retries in flight at once, 1 to 32 (default 4)
  --dry-run              Count what would be retried, retry nothing
  -h, --help             Show this help

Example:
  WAZAPIN_API_KEY=… wazapin-webhooks recover --since 2h --dry-run
`;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration back from now (`2h`), or an ISO 8601 time. */
function when(value: string, name: string, now: number): Date {
  const duration = /^(\d+)([smhd])$/.exec(value);
  if (duration) {
    return new Date(now - Number(duration[1]) * UNIT_MS[duration[2]]);
  }
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new CliUsageError(`--${name} must be a duration such as 2h or an ISO 8601 time such as 2026-12-01T10:00Z`);
  }
  return at;
}

function progressLine({ phase, scanned, toRetry, retried, failed }: WazapinRecoveryProgress): string {
  return phase === 'scanning' ? `scanning: ${scanned} attempts read` : `retrying: ${retried + failed}/${toRetry} (${failed} failed)`;
}

/** `wazapin-webhooks recover`: `recoverFailedDeliveries` from the command line. */
export class RecoverCommand implements CliCommand {
  readonly name = 'recover';
  readonly summary = 'Retry, once each, the deliveries Wazapin gave up on in a time window';
  readonly usage = USAGE;

  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS, 0);
    const now = Date.now();
    const since = when(requireOption(values.since, 'since'), 'since', now);
    const until = values.until === undefined ? undefined : when(values.until, 'until', now);
    if (!process.env.WAZAPIN_API_KEY) {
      throw new CliUsageError('Set WAZAPIN_API_KEY to the Wazapin API key (and WAZAPIN_API_BASE_URL for another API)');
    }
    const api = new WazapinWebhooksApiService(wazapinApiOptionsFromEnv());
    let result: WazapinRecoveryResult;
    try {
      result = await api.recoverFailedDeliveries({
        since,
        until,
        endpointId: values.endpoint,
        eventTypes: values['event-type'],
        concurrency: integerOption(values.concurrency, 'concurrency', 4, 1),
        dryRun: values['dry-run'],
        onProgress: io.progress && ((progress) => io.progress!(progressLine(progress))),
      });
    } catch (error) {
      if (error instanceof WazapinValidationError) {
        throw new CliUsageError(Object.values(error.fields).flat().join('; '));
      }
      throw error;
    }
    const rows: [string, string][] = [
      ['window', `${since.toISOString()} to ${(until ?? new Date(now)).toISOString()}`],
      ['attempts read', String(result.scanned)],
      [values['dry-run'] ? 'would retry' : 'to retry', String(result.toRetry)],
      ['retried', String(result.retried)],
      ['failed', String(result.failed.length)],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    io.out(rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n'));
    for (const { messageId, error } of result.failed) {
      io.err(`${printable(messageId)}: ${errorMessage(error)}`);
    }
    return result.failed.length === 0 ? CliExitCode.Ok : CliExitCode.Failed;
  }
}
