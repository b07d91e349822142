import { errorMessage } from '../utils/error-message.js';
import type { CliCommand, CliIo } from './cli-command.interface.js';
import { CliExitCode } from './cli-exit-code.js';
import { CliUsageError } from './cli-usage.error.js';
import { EmulatorCommand } from './commands/emulator.command.js';
import { RecoverCommand } from './commands/recover.command.js';
import { SendCommand } from './commands/send.command.js';
import { VerifyCommand } from './commands/verify.command.js';
import { packageVersion } from '../utils/package-version.js';

/** The commands of the `wazapin-webhooks` bin. */
const COMMANDS: readonly CliCommand[] = [new EmulatorCommand(), new RecoverCommand(), new SendCommand(), new VerifyCommand()];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `Usage: wazapin-webhooks <command> [options]

Local tools for Wazapin webhooks: an emulator of the API, recovery of failed deliveries, test deliveries,
captured-delivery checks.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Options:
  -h, --help     Show this help; "wazapin-webhooks <command> --help" shows a command's options
  -v, --version  Show the version
`;
}

/**
 * Runs `wazapin-webhooks` with `argv` (the arguments after the bin's name), resolving with the
 * exit code. Wrong usage prints what is wrong and exits 2; no error escapes as a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.err(usage());
    return CliExitCode.Usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = COMMANDS.find((candidate) => candidate.name === args[0]);
    io.out(command ? command.usage : usage());
    return CliExitCode.Ok;
  }
  if (name === '--version' || name === '-v') {
    io.out(packageVersion());
    return CliExitCode.Ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    // The word is not echoed: a mistyped command line may start with a secret.
    io.err(`Unknown command. Commands: ${COMMANDS.map((candidate) => candidate.name).join(', ')}. Run "wazapin-webhooks --help".`);
    return CliExitCode.Usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return CliExitCode.Ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`wazapin-webhooks ${command.name}: ${error.message}\nRun "wazapin-webhooks ${command.name} --help" for usage.`);
      return CliExitCode.Usage;
    }
    io.err(`wazapin-webhooks ${command.name} failed: ${errorMessage(error)}`);
    return CliExitCode.Failed;
  }
}
