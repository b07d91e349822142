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

/** A fresh app generated in a temp folder, as a user would write it. */
export interface FreshAppSpec {
  /** Folder name and label. */
  name: string;
  /** `module`: ESM output; `commonjs`: CommonJS output, loading this ESM package with `require()`. */
  moduleType: 'module' | 'commonjs';
  /** The app's own dependencies, from the npm registry. */
  dependencies: Record<string, string>;
}

/**
 * The app's sources: the same for both module systems, as a Nest app on `module: nodenext`
 * writes them. The handler is typed, and the `@ts-expect-error` line fails the compile if the
 * package's types are missing or loose.
 */
const SOURCES: Record<string, string> = {
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
  'src/app.module.ts': `import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { WazapinWebhooksModule } from 'nestjs-wazapin-webhooks';
import { MessagesHandler } from './messages.handler.js';

@Module({
  imports: [
    ConfigModule.forRoot({ ignoreEnvFile: true }),
    WazapinWebhooksModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ secrets: config.getOrThrow<string>('WAZAPIN_WEBHOOK_SECRET') }),
    }),
  ],
  providers: [MessagesHandler],
})
export class AppModule {}
`,
  'src/main.ts': `import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { rawBody: true, logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  console.log(\`LISTENING \${(app.getHttpServer().address() as AddressInfo).port}\`);
  const stop = () => void app.close().then(() => console.log('CLOSED'));
  process.once('SIGTERM', stop);
}
void bootstrap();
`,
  'src/kit-check.ts': `import { createWazapinTestingModule } from 'nestjs-wazapin-webhooks/testing';
import { MessagesHandler } from './messages.handler.js';

async function main(): Promise<void> {
  const wazapin = await createWazapinTestingModule({ providers: [MessagesHandler] });
  const result = await wazapin.deliver('message.new', { from_phone: '6280000000011' });
  console.log(\`KIT \${result.status}\`);
  await wazapin.close();
}
void main();
`,
};

/** Writes the app, installs its dependencies and the tarball, and compiles it with this repo's tsc. */
export async function createFreshApp(parent: string, spec: FreshAppSpec, tarball: string): Promise<string> {
  const dir = join(parent, spec.name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  const manifest = {
    name: spec.name,
    private: true,
    ...(spec.moduleType === 'module' ? { type: 'module' } : {}),
    dependencies: { ...spec.dependencies, 'nestjs-wazapin-webhooks': `file:${tarball}` },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: true,
        outDir: 'dist',
        rootDir: 'src',
        // This repo's Node types, so the app needs no @types/node of its own.
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  for (const [file, source] of Object.entries(SOURCES)) {
    writeFileSync(join(dir, file), source);
  }
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, timeout: 8 * 60_000 });
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir });
  return dir;
}

/** Runs `dist/<script>` of the app. */
export function startAppScript(dir: string, script: string, env: Record<string, string> = {}): WatchedProcess {
  return new WatchedProcess(process.execPath, [join(dir, 'dist', script)], { cwd: dir, env });
}
