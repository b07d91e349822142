import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BUILD_DIR } from '../support/compiled.js';

/** The bin as `npm start` and the package run it, compiled to `.build/` by `ensureCompiled()`. */
export const CLI_BIN = join(BUILD_DIR, 'lib', 'cli', 'main.js');

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `wazapin-webhooks` in a child process without blocking this one, so a server in the
 * test process can answer it.
 */
export function runBin(args: readonly string[], timeoutMs = 20_000): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
