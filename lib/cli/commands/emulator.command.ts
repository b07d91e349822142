import { WazapinEmulator } from '../../testing/emulator/wazapin-emulator.js';
import type { CliCommand, CliIo } from '../cli-command.interface.js';
import { CliExitCode } from '../cli-exit-code.js';
import { CliUsageError } from '../cli-usage.error.js';
import { integerOption, parseCommandArgs } from '../parse-command-args.js';

const OPTIONS = {
  port: { type: 'string' },
  'api-key': { type: 'string' },
  'retry-scale': { type: 'string' },
  body: { type: 'string' },
  'header-family': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const USAGE = `Usage: wazapin-webhooks emulator [--port <port>] [options]

Runs a local Wazapin on 127.0.0.1: the webhooks management API (create endpoints, rotate secrets,
send tests, list and retry deliveries), delivering signed events to the endpoints created through
it and retrying failures on the platform's schedule. Prints its base URL and API key, then a line
per API request and per finished delivery attempt. Stops on Ctrl-C (SIGINT) or SIGTERM.

Options:
  --port <port>             Port to listen on (default 0: a free port)
  --api-key <key>           The API key requests must carry (default: a random one)
  --retry-scale <factor>    Factor on the retry schedule (default 1, the platform's ~28 h;
                            0.001 plays it in about 100 s)
  --body <shape>            flat (the event's fields, default) or envelope ({event_type, data})
  --header-family <name>    svix (svix-id, …; default) or webhook (webhook-id, …)
  -q, --quiet               Print only the base URL and API key
  -h, --help                Show this help

Example:
  wazapin-webhooks emulator --port 4010
  # then run your app with WAZAPIN_API_BASE_URL and WAZAPIN_API_KEY as printed
`;

/** How often the activity log looks for new requests and attempts. */
const LOG_INTERVAL_MS = 200;

function choice<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || (allowed as readonly string[]).includes(value)) {
    return value as T | undefined;
  }
  throw new CliUsageError(`--${name} must be ${allowed.map((option) => `"${option}"`).join(' or ')}`);
}

function retryScale(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const scale = Number(value);
  if (value.trim() === '' || !Number.isFinite(scale) || scale < 0) {
    throw new CliUsageError('--retry-scale must be a number of at least 0');
  }
  return scale;
}

/** Prints what the emulator did since the last call: API requests, then finished delivery attempts. */
function activityLog(emulator: WazapinEmulator, io: CliIo): () => void {
  let requestsSeen = 0;
  const attemptsSeen = new Set<string>();
  return () => {
    const requests = emulator.requests;
    for (const request of requests.slice(requestsSeen)) {
      io.out(`api       ${request.method} ${request.url} -> ${request.status || 'dropped'}`);
    }
    requestsSeen = requests.length;
    const finished = emulator.deliveries().filter((attempt) => attempt.status === 'success' || attempt.status === 'failed');
    for (const attempt of finished.reverse()) {
      if (!attemptsSeen.has(attempt.id)) {
        attemptsSeen.add(attempt.id);
        const answer = attempt.response_status_code ? String(attempt.response_status_code) : 'no answer';
        io.out(
          `delivery  ${attempt.event_type ?? 'event'} ${attempt.message_id} attempt ${attempt.attempt ?? 1} -> ${attempt.url ?? attempt.endpoint_id}: ${answer} (${attempt.status})`,
        );
      }
    }
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `wazapin-webhooks emulator`: run the emulator until stopped. */
export class EmulatorCommand implements CliCommand {
  readonly name = 'emulator';
  readonly summary = 'Run a local Wazapin API that delivers signed events';
  readonly usage = USAGE;

  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS, 0);
    const port = integerOption(values.port, 'port', 0);
    if (port > 65535) {
      throw new CliUsageError('--port must be at most 65535');
    }
    if (values['api-key'] !== undefined && values['api-key'].trim() === '') {
      throw new CliUsageError('--api-key must not be empty');
    }
    const options = {
      port,
      apiKey: values['api-key'],
      retryScale: retryScale(values['retry-scale']),
      body: choice(values.body, 'body', ['flat', 'envelope'] as const),
      headers: choice(values['header-family'], 'header-family', ['svix', 'webhook'] as const),
    };
    let emulator: WazapinEmulator;
    try {
      emulator = await WazapinEmulator.start(options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.err(code === 'EADDRINUSE' ? `Port ${port} is in use; pick another with --port, or 0 for a free one` : String(error));
      return CliExitCode.Failed;
    }
    const stopped = stopSignal();
    io.out(`Wazapin emulator running. Point your app at it with:
  WAZAPIN_API_BASE_URL=${emulator.baseUrl}
  WAZAPIN_API_KEY=${emulator.apiKey}
Press Ctrl-C to stop.`);
    const log = values.quiet ? undefined : activityLog(emulator, io);
    const timer = log ? setInterval(log, LOG_INTERVAL_MS) : undefined;
    const signal = await stopped;
    clearInterval(timer);
    log?.();
    await emulator.close();
    io.out(`Emulator stopped (${signal}).`);
    return CliExitCode.Ok;
  }
}
