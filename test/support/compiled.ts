import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where `tsconfig.run.json` compiles lib/, sample/, bench/ and test/fixtures/ to, for child processes. */
export const BUILD_DIR = join(ROOT, '.build');
const STAMP = join(BUILD_DIR, '.compiled');
const SOURCES = ['lib', 'sample', 'bench', join('test', 'fixtures')];

function newestSource(dir: string): number {
  if (!existsSync(dir)) {
    return 0;
  }
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Compiles the sources child processes run (`.build/`), unless the last compile is newer
 * than every source file. Tests that spawn Node processes call this first.
 */
export function ensureCompiled(): void {
  const newest = Math.max(...SOURCES.map((dir) => newestSource(join(ROOT, dir))));
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest) {
    return;
  }
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.run.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  writeFileSync(STAMP, new Date().toISOString());
}
