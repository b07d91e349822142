import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childEnv } from '../support/child-env.js';
import { ROOT } from '../support/compiled.js';
import { WatchedProcess } from '../support/watched-process.js';

const execFileAsync = promisify(execFile);

/** Runs a command; a failure carries its output, so a broken install or compile says why. */
export async function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }) {
  try {
    return await execFileAsync(command, args, { env: childEnv(), ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${(error as Error).message}\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** A fresh app generated in a temp folder, as a team would have it. */
export interface FreshAppSpec {
  /** Folder name and label. */
  name: string;
  /**
   * `module`: an ESM app (`"type": "module"`, TypeScript `module: nodenext`, imports ending in
   * `.js`), as Nest 12's starter; `commonjs`: a CommonJS app on `module: commonjs`, imports without
   * extensions, and Jest's `ts-jest` preset, as Nest 11's starter.
   */
  moduleType: 'module' | 'commonjs';
  /** The app's own dependencies, from the npm registry. */
  dependencies: Record<string, string>;
  /** Its dev dependencies. Without `typescript`, this repo's compiler compiles it. */
  devDependencies?: Record<string, string>;
}

/**
 * The app's sources; `ext` is how its imports end. They import both entries of the package and
 * none of its optional peers; each `@ts-expect-error` line fails the compile if the package's
 * types are missing or loose.
 */
function sources(ext: string): Record<string, string> {
  return {
    'src/messages.handler.ts': `import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from 'nestjs-wazapin-webhooks';

@Injectable()
export class MessagesHandler {
  @OnWazapinEvent('message.new')
  onMessage(event: WazapinEvent<'message.new'>): void {
    const from: string | undefined = event.payload.from_phone;
    // @ts-expect-error: payload fields are typed, so a phone is not a number
    const notANumber: number = event.payload.from_phone;
    console.log(\`HANDLED \${JSON.stringify({ id: event.id, type: event.type, from })}\`);
  }
}
`,
    'src/app.module.ts': `import { Injectable, Module } from '@nestjs/common';
import { RedisIdempotencyStore, WazapinWebhooksModule, type WazapinWebhooksModuleOptions } from 'nestjs-wazapin-webhooks';
import { MessagesHandler } from './messages.handler${ext}';

/** The app's settings, read from the environment by a provider of its own (no @nestjs/config). */
@Injectable()
export class WebhookSettings {
  readonly redisUrl: string | undefined = process.env.APP_REDIS_URL;

  get secret(): string {
    const secret = process.env.WAZAPIN_WEBHOOK_SECRET;
    if (!secret) {
      throw new Error('WAZAPIN_WEBHOOK_SECRET is not set');
    }
    return secret;
  }
}

@Module({ providers: [WebhookSettings], exports: [WebhookSettings] })
export class SettingsModule {}

/** Redis deduplication when APP_REDIS_URL is set (never in these tests: the app does not install ioredis, which it would load). */
function idempotency(settings: WebhookSettings): WazapinWebhooksModuleOptions['idempotency'] {
  return settings.redisUrl ? { store: new RedisIdempotencyStore(settings.redisUrl) } : undefined;
}

// @ts-expect-error: dispatch is one of the module's modes, so a typo fails the compile
const typo: WazapinWebhooksModuleOptions = { secrets: 'whsec_unused', dispatch: 'inlin' };

@Module({
  imports: [
    WazapinWebhooksModule.forRootAsync({
      imports: [SettingsModule],
      inject: [WebhookSettings],
      useFactory: (settings: WebhookSettings): WazapinWebhooksModuleOptions => ({ secrets: settings.secret, idempotency: idempotency(settings) }),
    }),
  ],
  providers: [MessagesHandler],
})
export class AppModule {}
`,
    'src/main.ts': `import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module${ext}';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { rawBody: true, logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  console.log(\`LISTENING \${(app.getHttpServer().address() as AddressInfo).port}\`);
  const stop = () => void app.close().then(() => console.log('CLOSED'));
  process.once('SIGTERM', stop);
}
void bootstrap();
`,
    'src/kit-check.ts': `import type { WazapinWebhooksModuleOptions } from 'nestjs-wazapin-webhooks';
import { createWazapinTestingModule, type WazapinTestingApp } from 'nestjs-wazapin-webhooks/testing';
import { MessagesHandler } from './messages.handler${ext}';

const webhooks: Partial<WazapinWebhooksModuleOptions> = { dispatch: 'inline', idempotency: { ttlSeconds: 60 } };

async function main(): Promise<void> {
  const wazapin: WazapinTestingApp = await createWazapinTestingModule({ providers: [MessagesHandler], webhooks });
  const result = await wazapin.deliver('message.new', { from_phone: '6280000000011' });
  console.log(\`KIT \${result.status}\`);
  await wazapin.close();
}
void main();
`,
  };
}

/** An e2e spec as a Nest 11 app's `test/` holds one: it imports the app's module and the testing kit. */
const E2E_SPEC = `import { NestFactory } from '@nestjs/core';
import { createWazapinTestingModule, deliverWazapinEvent, generateWazapinSecret } from 'nestjs-wazapin-webhooks/testing';
import { AppModule } from '../src/app.module';
import { MessagesHandler } from '../src/messages.handler';

describe('AppModule (e2e)', () => {
  it('handles a signed delivery', async () => {
    const secret = generateWazapinSecret();
    process.env.WAZAPIN_WEBHOOK_SECRET = secret;
    const app = await NestFactory.create(AppModule, { rawBody: true, logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const result = await deliverWazapinEvent({ url: \`\${url}/webhooks/wazapin\`, secret, type: 'message.new' });
      expect(result.status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('runs the handler through the testing kit', async () => {
    const wazapin = await createWazapinTestingModule({ providers: [MessagesHandler] });
    try {
      const result = await wazapin.deliver('message.new', { from_phone: '6280000000013' });
      expect(result.status).toBe(200);
    } finally {
      await wazapin.close();
    }
  });
});
`;

/** TypeScript settings of the app: strict, and its dependencies' declarations checked too. */
function tsconfig(spec: FreshAppSpec): object {
  const common = {
    target: 'es2022',
    strict: true,
    skipLibCheck: false,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    outDir: 'dist',
    types: ['node', ...(spec.moduleType === 'commonjs' ? ['jest'] : [])],
  };
  return {
    compilerOptions:
      spec.moduleType === 'module' ? { ...common, module: 'nodenext', moduleResolution: 'nodenext', rootDir: 'src' } : { ...common, module: 'commonjs' },
    include: ['src'],
  };
}

/** Writes the app, installs its dependencies and the tarball, and compiles it with its TypeScript (else this repo's). */
export async function createFreshApp(parent: string, spec: FreshAppSpec, tarball: string): Promise<string> {
  const dir = join(parent, spec.name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  const commonjs = spec.moduleType === 'commonjs';
  const manifest = {
    name: spec.name,
    private: true,
    ...(commonjs ? {} : { type: 'module' }),
    dependencies: { ...spec.dependencies, 'nestjs-wazapin-webhooks': `file:${tarball}` },
    devDependencies: spec.devDependencies ?? {},
    ...(commonjs ? { scripts: { 'test:e2e': 'jest' }, jest: { preset: 'ts-jest', testEnvironment: 'node', testRegex: '.e2e-spec.ts$' } } : {}),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig(spec), null, 2));
  if (commonjs) {
    // The other setting CommonJS apps have: their files are CommonJS under nodenext too, as the package has no "type".
    writeFileSync(
      join(dir, 'tsconfig.nodenext.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', noEmit: true } }, null, 2),
    );
  }
  for (const [file, source] of Object.entries(sources(commonjs ? '' : '.js'))) {
    writeFileSync(join(dir, file), source);
  }
  if (commonjs) {
    mkdirSync(join(dir, 'test'));
    writeFileSync(join(dir, 'test', 'app.e2e-spec.ts'), E2E_SPEC);
  }
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, timeout: 8 * 60_000 });
  const tsc = spec.devDependencies?.typescript ? join(dir, 'node_modules', 'typescript', 'bin', 'tsc') : join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', dir], { cwd: dir });
  return dir;
}

/** Runs `dist/<script>` of the app. */
export function startAppScript(dir: string, script: string, env: Record<string, string> = {}): WatchedProcess {
  return new WatchedProcess(process.execPath, [join(dir, 'dist', script)], { cwd: dir, env });
}
