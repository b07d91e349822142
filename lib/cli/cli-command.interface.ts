/** Where a command writes; the process's streams in the bin, buffers in tests. */
export interface CliIo {
  /** Results, one line or block per call. */
  out(text: string): void;
  /** Errors and diagnostics. */
  err(text: string): void;
  /** A progress line that replaces the one before: on a terminal only. */
  progress?(text: string): void;
}

/** One `wazapin-webhooks <command>`. */
export interface CliCommand {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** Full `--help` text, printed by the runner for `--help` or `-h` anywhere in the arguments. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
