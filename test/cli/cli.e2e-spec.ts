import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCompiled, ROOT } from '../support/compiled.js';
import { runBin } from './run-bin.js';

describe('wazapin-webhooks', () => {
  beforeAll(() => ensureCompiled(), 120_000);

  it('is the package bin', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(manifest.bin).toEqual({ 'wazapin-webhooks': './dist/esm/cli/main.js' });
    expect(readFileSync(join(ROOT, 'lib', 'cli', 'main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('lists its commands with --help and exits 0', async () => {
    const run = await runBin(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: wazapin-webhooks <command> \[options\]/);
    for (const command of ['emulator', 'send', 'verify']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    }
  });

  it.each(['emulator', 'send', 'verify'])('documents %s with --help, -h and "help %s"', async (command) => {
    const runs = await Promise.all([runBin([command, '--help']), runBin([command, '-h']), runBin(['help', command])]);
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: wazapin-webhooks ${command}`));
      expect(run.stdout).toMatch(/^Options:$/m);
    }
  });

  it("has every option the README's CLI section names", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- section: cli -->'), readme.indexOf('<!-- /section: cli -->'));
    const parts = section.split('**`').slice(1);
    expect(parts.map((part) => part.split(/[ `]/)[0])).toEqual(['emulator', 'recover', 'send', 'verify']);
    for (const part of parts) {
      const command = part.split(/[ `]/)[0];
      const help = (await runBin([command, '--help'])).stdout;
      for (const option of new Set(part.match(/(?<![\w-])--[a-z][a-z-]*/g))) {
        expect(`${command} ${help.includes(option) ? option : `lacks ${option}`}`).toBe(`${command} ${option}`);
      }
    }
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await runBin(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('exits 2 with the usage when no command is given', async () => {
    const run = await runBin([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: wazapin-webhooks <command>/);
  });

  it('exits 2 on an unknown command without echoing it', async () => {
    const run = await runBin(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('Unknown command. Commands: emulator, recover, send, verify. Run "wazapin-webhooks --help".\n');
  });
});
