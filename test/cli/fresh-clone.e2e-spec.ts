import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../pack/fresh-app.js';
import { ROOT } from '../support/compiled.js';

/**
 * The CLI as the README shows it, in a fresh clone of this repository: `npm ci`, then
 * `npx wazapin-webhooks`, with no build step in between. The clone is of the last commit.
 */
describe('wazapin-webhooks in a fresh clone', () => {
  let clone: string;

  beforeAll(async () => {
    clone = join(mkdtempSync(join(tmpdir(), 'wazapin-clone-')), 'repo');
    await run('git', ['clone', '--quiet', '--local', '--no-hardlinks', ROOT, clone], { cwd: ROOT });
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, timeout: 8 * 60_000 });
  }, 10 * 60_000);

  afterAll(() => {
    if (clone) {
      rmSync(join(clone, '..'), { recursive: true, force: true });
    }
  });

  it('runs right after npm ci', async () => {
    expect(existsSync(join(clone, 'dist', 'esm', 'cli', 'main.js'))).toBe(true);
    const { stdout } = await run('npx', ['--offline', 'wazapin-webhooks', '--help'], { cwd: clone, timeout: 60_000 });
    expect(stdout).toMatch(/^Usage: wazapin-webhooks <command> \[options\]/);
    // npx's own time limit, and some: on a loaded 2-core machine it has taken over 30 s.
  }, 90_000);
});
