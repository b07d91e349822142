import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { WazapinWebhooksApiService, WazapinWebhooksModule, type WazapinApiOptions } from '../../lib/index.js';
import { generateWazapinSecret, WazapinEmulator, type WazapinEmulatorOptions } from '../../lib/testing/index.js';

/** An emulator and the service, injected from the module, pointed at it. */
export interface ApiTestKit {
  emulator: WazapinEmulator;
  api: WazapinWebhooksApiService;
  moduleRef: TestingModule;
  close(): Promise<void>;
}

const SILENT: LoggerService = { log() {}, warn() {}, error() {} };

/** A Nest testing module with `WazapinWebhooksModule` whose `api` option is `api`; what it logs goes to `logger`. */
export async function startApiModule(api: WazapinApiOptions, logger: LoggerService = SILENT): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [WazapinWebhooksModule.forRoot({ secrets: generateWazapinSecret(), api })],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  return moduleRef;
}

/**
 * Starts an emulator and a Nest testing module with `WazapinWebhooksModule` whose `api` option
 * targets it, with millisecond backoff so retries keep tests fast.
 */
export async function startApiTestKit(
  emulatorOptions: WazapinEmulatorOptions = {},
  api: Partial<WazapinApiOptions> = {},
): Promise<ApiTestKit> {
  const emulator = await WazapinEmulator.start({ retryScale: 0, ...emulatorOptions });
  const moduleRef = await startApiModule({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, retryDelayMs: 5, timeoutMs: 2000, ...api });
  return {
    emulator,
    api: moduleRef.get(WazapinWebhooksApiService),
    moduleRef,
    close: async () => {
      await moduleRef.close();
      await emulator.close();
    },
  };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** How a {@link LoopbackApi} answers one request. */
export type LoopbackAnswer = (request: IncomingMessage, response: ServerResponse) => void;

/** A plain HTTP server on loopback standing in for the API, answering as a test tells it. */
export interface LoopbackApi {
  baseUrl: string;
  /** Method and URL of every request it got, in order. */
  readonly requests: { method: string; url: string }[];
  /** Answers the next requests; change it between calls. */
  answer: LoopbackAnswer;
  close(): Promise<void>;
}

/** An answer with `status` and `body` as JSON. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): LoopbackAnswer {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

/** A 204 without a body. */
export const noContent: LoopbackAnswer = (_request, response) => {
  response.writeHead(204);
  response.end();
};

/** Starts a {@link LoopbackApi} on 127.0.0.1 answering `answer` (by default `{ data: {} }`). */
export async function startLoopbackApi(answer: LoopbackAnswer = json(200, { data: {} })): Promise<LoopbackApi> {
  const api: LoopbackApi = { baseUrl: '', requests: [], answer, close: async () => undefined };
  const server = createServer((request, response) => {
    api.requests.push({ method: request.method ?? '', url: request.url ?? '' });
    api.answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return api;
}
