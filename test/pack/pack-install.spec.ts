import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliverWazapinEvent, generateWazapinSecret } from '../../lib/testing/index.js';
import { ROOT } from '../support/compiled.js';
import { createFreshApp, type FreshAppSpec, run, startAppScript } from './fresh-app.js';

const APPS: FreshAppSpec[] = [
  {
    name: 'nest12-esm-app',
    moduleType: 'module',
    dependencies: {
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/config': '^12.0.0',
      '@nestjs/platform-express': '^12.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    },
  },
  {
    name: 'nest11-cjs-app',
    moduleType: 'commonjs',
    dependencies: {
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/config': '^4.0.0',
      '@nestjs/platform-express': '^11.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    },
  },
];

interface PackedFile {
  path: string;
}

/**
 * The package as published: `npm pack` (which builds `dist/` first), installed from the
 * tarball into fresh apps with dependencies from the npm registry.
 */
describe('the packed package in fresh apps', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  let work: string;
  let packed: PackedFile[];
  const apps = new Map<string, string>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'wazapin-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    const [result] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: PackedFile[] }[];
    packed = result.files;
    const tarball = join(work, result.filename);
    // Both installs at once: they mostly wait on the network and the disk.
    const dirs = await Promise.all(APPS.map((app) => createFreshApp(work, app, tarball)));
    APPS.forEach((app, index) => apps.set(app.name, dirs[index]));
  }, 10 * 60_000);

  afterAll(() => {
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('ships the built entry points, types and bin, and no sources or tests', () => {
    const paths = packed.map((file) => file.path);
    for (const entry of ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/cli/main.js', 'README.md', 'package.json']) {
      expect(paths).toContain(entry);
    }
    expect(paths.filter((path) => !path.startsWith('dist/') && !['README.md', 'package.json', 'LICENSE'].includes(path))).toEqual([]);
    expect(paths.filter((path) => /\.ts$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
  });

  describe.each(APPS)('$name', (spec) => {
    const dir = () => apps.get(spec.name) as string;

    it(`compiles to ${spec.moduleType === 'module' ? 'ESM' : 'CommonJS'} against the package's types`, () => {
      const compiled = readFileSync(join(dir(), 'dist', 'app.module.js'), 'utf8');
      expect(compiled).toMatch(
        spec.moduleType === 'module' ? /^import .* from ['"]nestjs-wazapin-webhooks['"];$/m : /require\("nestjs-wazapin-webhooks"\)/,
      );
      const installed = JSON.parse(readFileSync(join(dir(), 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8')) as { version: string };
      expect(installed.version).toMatch(spec.name.startsWith('nest12') ? /^12\./ : /^11\./);
    });

    it('boots and hands a signed delivery to the typed handler', async () => {
      const secret = generateWazapinSecret();
      const app = startAppScript(dir(), 'main.js', { WAZAPIN_WEBHOOK_SECRET: secret });
      try {
        const [, port] = await app.waitFor(/^LISTENING (\d+)$/m);
        const result = await deliverWazapinEvent({
          url: `http://127.0.0.1:${port}/webhooks/wazapin`,
          secret,
          type: 'message.new',
          payload: { from_phone: '6280000000012' },
        });
        expect(result.status).toBe(200);
        const [, line] = await app.waitFor(/^HANDLED (.+)$/m);
        expect(JSON.parse(line)).toEqual({ id: result.delivery.id, type: 'message.new', from: '6280000000012' });

        const forged = await deliverWazapinEvent({ url: `http://127.0.0.1:${port}/webhooks/wazapin`, secret: generateWazapinSecret(), type: 'message.new' });
        expect(forged.status).toBe(401);
      } finally {
        expect(await app.stop()).toBe(0);
      }
      expect(app.stdout.match(/^HANDLED /gm)).toHaveLength(1);
    });

    it('runs the testing kit from nestjs-wazapin-webhooks/testing', async () => {
      const kit = startAppScript(dir(), 'kit-check.js');
      expect(await kit.exited).toBe(0);
      expect(kit.stdout).toMatch(/^KIT 200$/m);
      expect(kit.stdout).toMatch(/^HANDLED \{.*"from":"6280000000011"\}$/m);
    });

    it('links the wazapin-webhooks bin', async () => {
      const { stdout } = await run(join(dir(), 'node_modules', '.bin', 'wazapin-webhooks'), ['--version'], { cwd: dir() });
      expect(stdout).toBe(`${version}\n`);
    });
  });
});
