import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliverWazapinEvent, generateWazapinSecret } from '../../lib/testing/index.js';
import { ROOT } from '../support/compiled.js';
import { createFreshApp, type FreshAppSpec, run, startAppScript } from './fresh-app.js';

const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
/**
 * What the fresh apps do without: every optional peer of the package, and `@nestjs/config`,
 * which is no peer at all (the package reads settings from whatever `forRootAsync` injects).
 */
const NOT_INSTALLED = [
  ...Object.entries(MANIFEST.peerDependenciesMeta)
    .filter(([, meta]) => meta.optional)
    .map(([name]) => name),
  '@nestjs/config',
];

/** Two apps as the Nest 12 and Nest 11 starters make them, with the required peers only. */
const APPS: FreshAppSpec[] = [
  {
    name: 'nest12-esm-app',
    moduleType: 'module',
    dependencies: {
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/platform-express': '^12.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    },
    devDependencies: { '@types/node': '^20.19.0', '@types/express': '^5.0.0' },
  },
  {
    // As Nest 11's starter has it: CommonJS, TypeScript 5.7, Jest's ts-jest preset.
    name: 'nest11-cjs-app',
    moduleType: 'commonjs',
    dependencies: {
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/platform-express': '^11.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
    },
    devDependencies: {
      typescript: '~5.7.3',
      jest: '^29.7.0',
      'ts-jest': '^29.2.5',
      '@types/jest': '^29.5.14',
      '@types/node': '^20.19.0',
      '@types/express': '^5.0.0',
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
  const { version } = MANIFEST;
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
    if (work && !process.env.KEEP_PACK) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('ships both builds with their types, the bin and the license, and no sources, tests or source maps', () => {
    const paths = packed.map((file) => file.path);
    for (const build of ['esm', 'cjs']) {
      for (const file of ['index.js', 'index.d.ts', 'testing/index.js', 'testing/index.d.ts']) {
        expect(paths).toContain(`dist/${build}/${file}`);
      }
    }
    for (const entry of ['dist/cjs/package.json', 'dist/esm/cli/main.js', 'README.md', 'LICENSE', 'package.json']) {
      expect(paths).toContain(entry);
    }
    expect(paths.filter((path) => !path.startsWith('dist/') && !['README.md', 'package.json', 'LICENSE'].includes(path))).toEqual([]);
    expect(paths.filter((path) => /\.[cm]?ts$/.test(path) && !/\.d\.[cm]?ts$/.test(path))).toEqual([]);
    expect(paths.filter((path) => path.endsWith('.map'))).toEqual([]);
  });

  it('loads from CommonJS without import.meta, whatever Node version requires it', () => {
    const cjs = packed.map((file) => file.path).filter((path) => path.startsWith('dist/cjs/') && /\.c?js$/.test(path));
    expect(cjs.length).toBeGreaterThan(50);
    const dir = apps.get('nest11-cjs-app') as string;
    for (const path of cjs) {
      const code = readFileSync(join(dir, 'node_modules', 'nestjs-wazapin-webhooks', path), 'utf8').replace(/^\s*\/\/.*$/gm, '');
      expect({ path, importMeta: code.includes('import.meta'), esmSyntax: /^(?:import|export) /m.test(code) }).toEqual({ path, importMeta: false, esmSyntax: false });
    }
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
      const compiler = spec.devDependencies?.typescript ? dir() : ROOT;
      const typescript = JSON.parse(readFileSync(join(compiler, 'node_modules', 'typescript', 'package.json'), 'utf8')) as { version: string };
      expect(typescript.version).toMatch(spec.moduleType === 'commonjs' ? /^5\.7\./ : /^6\./);
    });

    it('compiled strictly, its dependencies\' declarations checked (skipLibCheck: false), without the optional peers installed', () => {
      expect(JSON.parse(readFileSync(join(dir(), 'tsconfig.json'), 'utf8'))).toMatchObject({ compilerOptions: { strict: true, skipLibCheck: false } });
      expect(NOT_INSTALLED).toEqual(
        expect.arrayContaining(['ioredis', 'bullmq', '@nestjs/bullmq', 'svix', '@nestjs/event-emitter', '@nestjs/testing', '@opentelemetry/api', '@nestjs/terminus']),
      );
      for (const peer of NOT_INSTALLED) {
        expect({ peer, installed: existsSync(join(dir(), 'node_modules', peer)) }).toEqual({ peer, installed: false });
      }
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

    if (spec.moduleType === 'commonjs') {
      it('type-checks as CommonJS under module: nodenext too, which is where TS1479 came from', async () => {
        const tsc = join(dir(), 'node_modules', 'typescript', 'bin', 'tsc');
        const project = join(dir(), 'tsconfig.nodenext.json');
        const { stdout } = await run(process.execPath, [tsc, '-p', project, '--showConfig'], { cwd: dir() });
        expect(JSON.parse(stdout)).toMatchObject({ compilerOptions: { module: 'nodenext', strict: true, skipLibCheck: false } });
        await expect(run(process.execPath, [tsc, '-p', project], { cwd: dir() })).resolves.toBeDefined();
      }, 60_000);

      it("passes an e2e spec that imports the app's module and the testing kit, under Jest's ts-jest preset", async () => {
        const { stdout, stderr } = await run('npm', ['run', 'test:e2e', '--', '--ci'], { cwd: dir(), timeout: 120_000 });
        expect(`${stdout}${stderr}`).toMatch(/Tests: +2 passed, 2 total/);
      }, 150_000);
    }

    it('links the wazapin-webhooks bin', async () => {
      const { stdout } = await run(join(dir(), 'node_modules', '.bin', 'wazapin-webhooks'), ['--version'], { cwd: dir() });
      expect(stdout).toBe(`${version}\n`);
    });
  });
});
