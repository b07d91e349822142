import { join } from 'node:path';
import { BUILD_DIR } from '../support/compiled.js';
import { WatchedProcess } from '../support/watched-process.js';

/** The bin as `npm start` and the package run it, compiled to `.build/` by `ensureCompiled()`. */
export const CLI_BIN = join(BUILD_DIR, 'lib', 'cli', 'main.js');

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `wazapin-webhooks` with `args`, e.g. a long-running `emulator`. */
export function startBin(args: readonly string[], env?: Record<string, string>): WatchedProcess {
  return new WatchedProcess(process.execPath, [CLI_BIN, ...args], { env });
}

/**
 * Runs `wazapin-webhooks` to its end in a child process, without blocking this one, so a server
 * in the test process can answer it. Killed after `timeoutMs`.
 */
export async function runBin(args: readonly string[], timeoutMs = 20_000, env?: Record<string, string>): Promise<BinRun> {
  const bin = startBin(args, env);
  const timer = setTimeout(() => void bin.stop('SIGKILL'), timeoutMs);
  const code = await bin.exited;
  clearTimeout(timer);
  return { code, stdout: bin.stdout, stderr: bin.stderr };
}
