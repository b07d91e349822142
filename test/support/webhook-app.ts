import 'reflect-metadata';
import type { INestApplication, LoggerService, ModuleMetadata, VersioningOptions } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { signWazapinDelivery, type SignWazapinDeliveryInput } from '../../lib/testing/index.js';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

/** A logger that keeps every line, so tests can assert what the module logged. */
export class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  /** Stack traces passed with error lines. */
  readonly stacks: string[] = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message: String(message) });
  }
  error(message: unknown, stack?: unknown) {
    this.lines.push({ level: 'error', message: String(message) });
    if (typeof stack === 'string') {
      this.stacks.push(stack);
    }
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  debug() {}
  verbose() {}
  has(level: string, pattern: RegExp): boolean {
    return this.lines.some((line) => line.level === level && pattern.test(line.message));
  }
}

export interface TestApp {
  app: INestApplication;
  url: string;
  logger: RecordingLogger;
  /** Posts a body with the given headers to `path` (default the module's route). */
  post(headers: Record<string, string>, body: string | Buffer, path?: string): Promise<{ status: number; text: string; json: unknown }>;
  /** Signs `input` and posts it. */
  deliver(input: SignWazapinDeliveryInput, path?: string): Promise<{ status: number; text: string; json: unknown }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  rawBody?: boolean;
  /** Options of the Fastify adapter, on Fastify. */
  fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
  globalPrefix?: string;
  versioning?: VersioningOptions;
}

/** Boots a real Nest app with `metadata` on the given adapter, listening on loopback. */
export async function startTestApp(adapter: AdapterName, metadata: ModuleMetadata, options: TestAppOptions = {}): Promise<TestApp> {
  @Module(metadata)
  class TestAppModule {}

  const logger = new RecordingLogger();
  const appOptions = { rawBody: options.rawBody ?? true, logger };
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(TestAppModule, new FastifyAdapter(options.fastify), appOptions)
      : await NestFactory.create(TestAppModule, appOptions);
  if (options.globalPrefix) {
    app.setGlobalPrefix(options.globalPrefix);
  }
  if (options.versioning) {
    app.enableVersioning(options.versioning);
  }
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const defaultPath = `${options.globalPrefix ? `/${options.globalPrefix}` : ''}/webhooks/wazapin`;

  const post: TestApp['post'] = async (headers, body, path = defaultPath) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  };
  return {
    app,
    url,
    logger,
    post,
    deliver: (input, path) => {
      const signed = signWazapinDelivery(input);
      return post(signed.headers, signed.body, path);
    },
    close: () => app.close(),
  };
}

/** A promise with its resolver, to hold a handler open while a test acts. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
