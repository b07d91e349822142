import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageDirectory } from './commonjs-scope.cjs';

const PACKAGE_NAME = 'nestjs-wazapin-webhooks';

/**
 * This package's version, from the nearest `package.json` of that name above this file, which
 * is found the same way whether the bin runs from `dist/` or from a development build.
 */
export function packageVersion(): string {
  let dir = packageDirectory;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && manifest.version) {
        return manifest.version;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return 'unknown';
    }
    dir = parent;
  }
}
