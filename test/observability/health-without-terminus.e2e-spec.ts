import 'reflect-metadata';
import { jest } from '@jest/globals';
import { type INestApplication, Module, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RecordingLogger } from '../support/webhook-app.js';

// Issue 15, "Health": `@nestjs/terminus` is an optional peer. Here it is not installed: importing
// it fails as a missing package does. An app without the health indicator boots and works as
// before; one listing `WazapinHealthIndicator` fails boot saying to install `@nestjs/terminus`.

jest.unstable_mockModule('@nestjs/terminus', () => {
  throw Object.assign(new Error("Cannot find package '@nestjs/terminus' imported from the app"), { code: 'ERR_MODULE_NOT_FOUND' });
});

// Loaded after the mock, so that whatever the package imports of @nestjs/terminus fails.
const { WazapinHealthIndicator, WazapinWebhooksModule } = await import('../../lib/index.js');
const { generateWazapinSecret, signWazapinDelivery } = await import('../../lib/testing/index.js');

const secret = generateWazapinSecret();

/** Creates, initialises and listens; answers the app, or the error boot failed with. */
async function boot(metadata: ModuleMetadata): Promise<{ app?: INestApplication; error?: Error }> {
  @Module(metadata)
  class BootModule {}
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(BootModule, { rawBody: true, logger: new RecordingLogger(), abortOnError: false });
    await app.listen(0, '127.0.0.1');
    return { app };
  } catch (error) {
    await app?.close().catch(() => undefined);
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}

describe('without @nestjs/terminus installed', () => {
  it('confirms the package cannot be imported here', async () => {
    await expect(import('@nestjs/terminus')).rejects.toThrow(/Cannot find package/);
  });

  it('an app without the health indicator boots and accepts deliveries', async () => {
    const { app, error } = await boot({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret })] });
    expect(error).toBeUndefined();
    try {
      const url = (await app!.getUrl()).replace('[::1]', '127.0.0.1');
      const signed = signWazapinDelivery({ secret, body: { message_id: 'wamid-1', conversation_id: 'conv_1', status: 'delivered' } });
      const response = await fetch(`${url}/webhooks/wazapin/message.status_update`, { method: 'POST', headers: signed.headers, body: signed.body });
      expect(response.status).toBe(200);
    } finally {
      await app?.close();
    }
  });

  it('an app listing WazapinHealthIndicator fails boot with a message saying to install @nestjs/terminus', async () => {
    const { app, error } = await boot({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret })], providers: [WazapinHealthIndicator] });
    await app?.close();
    expect(error).toBeDefined();
    expect(error?.message).toMatch(/@nestjs\/terminus/);
    expect(error?.message).toMatch(/install/i);
  });
});
