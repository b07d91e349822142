import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageError } from './cli-usage.error.js';

type Options = NonNullable<ParseArgsConfig['options']>;
/** What {@link parseCommandArgs} returns for options `T`. */
export type CommandArgs<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>>;

/** Node's parse errors that name an option; their messages quote only the option's name. */
const OPTION_ERRORS = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE']);

/**
 * `util.parseArgs` in strict mode, with its errors turned into {@link CliUsageError}s. Extra
 * positional arguments are reported by count, never echoed, since one may be a misplaced secret.
 */
export function parseCommandArgs<T extends Options>(args: readonly string[], options: T, maxPositionals: number): CommandArgs<T> {
  let parsed: CommandArgs<T>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code && OPTION_ERRORS.has(code)) {
      throw new CliUsageError((error as Error).message.split('. ')[0]);
    }
    throw error;
  }
  if (parsed.positionals.length > maxPositionals) {
    const expected = maxPositionals === 0 ? 'no arguments' : `at most ${maxPositionals} argument${maxPositionals > 1 ? 's' : ''}`;
    throw new CliUsageError(`Expected ${expected} besides options, got ${parsed.positionals.length}`);
  }
  return parsed;
}

/** A required string option's value, or a usage error naming it. */
export function requireOption(value: string | undefined, name: string): string {
  if (value === undefined || value === '') {
    throw new CliUsageError(`Missing --${name}`);
  }
  return value;
}

/** A positive integer option, or a usage error naming it. */
export function integerOption(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    throw new CliUsageError(`--${name} must be an integer of at least ${min}`);
  }
  return parsed;
}

/** Reads a file named by an option; a missing or unreadable file is a usage error. */
export function readOptionFile(path: string, name: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliUsageError(`Cannot read the --${name} file ${path}: ${reason}`);
  }
}
