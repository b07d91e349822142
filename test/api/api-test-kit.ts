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

/**
 * Starts an emulator and a Nest testing module with `WazapinWebhooksModule` whose `api` option
 * targets it, with millisecond backoff so retries keep tests fast.
 */
export async function startApiTestKit(
  emulatorOptions: WazapinEmulatorOptions = {},
  api: Partial<WazapinApiOptions> = {},
): Promise<ApiTestKit> {
  const emulator = await WazapinEmulator.start({ retryScale: 0, ...emulatorOptions });
  const moduleRef = await Test.createTestingModule({
    imports: [
      WazapinWebhooksModule.forRoot({
        secrets: generateWazapinSecret(),
        api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, retryDelayMs: 5, timeoutMs: 2000, ...api },
      }),
    ],
  })
    .setLogger({ log() {}, warn() {}, error() {} })
    .compile();
  await moduleRef.init();
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
