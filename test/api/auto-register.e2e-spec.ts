import { type INestApplication, Injectable, Module, type Type } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import {
  OnWazapinEvent,
  wazapinApiOptionsFromEnv,
  WazapinWebhooksModule,
  type WazapinAutoRegisterOptions,
  type WazapinEndpoint,
} from '../../lib/index.js';
import { generateWazapinSecret, WazapinEmulator } from '../../lib/testing/index.js';
import { RecordingLogger } from '../support/webhook-app.js';

const URL = 'https://orders.example.com/webhooks/wazapin';

@Injectable()
class MessageHandlers {
  @OnWazapinEvent('message.status_update')
  onStatus(): void {}

  @OnWazapinEvent(['message.new', 'message.status_update'])
  onMessage(): void {}
}

@Injectable()
class ContactHandlers {
  @OnWazapinEvent('contact.updated')
  onContact(): void {}
}

@Injectable()
class AuditEverything {
  @OnWazapinEvent('*')
  onAny(): void {}
}

/**
 * Boots the user's app: the module configured from the environment through `forRootAsync`
 * and `ConfigService`, with `autoRegister`, and the given handlers.
 */
async function bootApp(
  env: Record<string, string>,
  autoRegister: WazapinAutoRegisterOptions,
  handlers: Type[],
  logger = new RecordingLogger(),
): Promise<INestApplication> {
  @Module({
    imports: [
      WazapinWebhooksModule.forRootAsync({
        imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => env] })],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          secrets: generateWazapinSecret(),
          api: { ...wazapinApiOptionsFromEnv(config), retryDelayMs: 5, retries: 1 },
          autoRegister,
        }),
      }),
    ],
    providers: handlers,
  })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { rawBody: true, logger, abortOnError: false });
  try {
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

describe('autoRegister', () => {
  let emulator: WazapinEmulator;
  let env: Record<string, string>;
  const apps: INestApplication[] = [];

  beforeEach(async () => {
    emulator = await WazapinEmulator.start({ organizationSlug: 'acme' });
    env = { WAZAPIN_API_KEY: emulator.apiKey, WAZAPIN_API_BASE_URL: emulator.baseUrl, WAZAPIN_ORG_SLUG: 'acme' };
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await emulator.close();
  });

  it('creates exactly one endpoint filtered to the handled types, and a restart creates no second', async () => {
    const created: WazapinEndpoint[] = [];
    const options = { url: URL, onCreated: (endpoint: WazapinEndpoint) => void created.push(endpoint) };

    apps.push(await bootApp(env, options, [MessageHandlers]));
    await apps.pop()!.close();
    apps.push(await bootApp(env, options, [MessageHandlers]));

    const endpoints = emulator.endpoints();
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({ url: URL, event_types: ['message.new', 'message.status_update'] });
    expect(created.map((endpoint) => [endpoint.id, endpoint.secret])).toEqual([[endpoints[0].id, endpoints[0].secret]]);
    // The restart only looked: no create, no update.
    expect(emulator.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET']);
    // Read from the environment through ConfigService: key, base URL and organization.
    expect(emulator.requests.every((request) => request.authorized && request.organizationSlug === 'acme')).toBe(true);
  });

  it('updates the filter when the handlers change, still with one endpoint', async () => {
    apps.push(await bootApp(env, { url: URL }, [MessageHandlers]));
    apps.push(await bootApp(env, { url: URL }, [MessageHandlers, ContactHandlers]));

    const endpoints = emulator.endpoints();
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0].event_types).toEqual(['contact.updated', 'message.new', 'message.status_update']);
    expect(emulator.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
  });

  it('subscribes to all events when a handler is a wildcard', async () => {
    apps.push(await bootApp(env, { url: URL }, [MessageHandlers, AuditEverything]));

    expect(emulator.endpoints()[0].event_types).toEqual([]);
  });

  it('uses explicit event types when given', async () => {
    apps.push(await bootApp(env, { url: URL, eventTypes: ['template.status_update'] }, [MessageHandlers]));

    expect(emulator.endpoints()[0].event_types).toEqual(['template.status_update']);
  });

  it('logs a failure and starts the app anyway', async () => {
    const logger = new RecordingLogger();
    const app = await bootApp({ ...env, WAZAPIN_API_KEY: 'wzp_wrong' }, { url: URL }, [MessageHandlers], logger);
    apps.push(app);

    expect(logger.has('error', /Could not register the webhook endpoint for https:\/\/orders\.example\.com.*401/)).toBe(true);
    expect(logger.lines.some((line) => line.message.includes('wzp_wrong'))).toBe(false);
    expect(emulator.endpoints()).toEqual([]);
  });

  it('stops the app from starting when required', async () => {
    await expect(bootApp({ ...env, WAZAPIN_API_KEY: 'wzp_wrong' }, { url: URL, required: true }, [MessageHandlers])).rejects.toMatchObject({
      name: 'WazapinApiError',
      status: 401,
    });
  });

  it('refuses to guess a filter for an app without handlers', async () => {
    await expect(bootApp(env, { url: URL, required: true }, [])).rejects.toMatchObject({
      name: 'WazapinValidationError',
      fields: { eventTypes: [expect.stringMatching(/no @OnWazapinEvent handler/)] },
    });
    expect(emulator.endpoints()).toEqual([]);
  });

  it('leaves a disabled endpoint disabled, and warns about it', async () => {
    const response = await fetch(`${emulator.webhooksUrl}/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: URL, event_types: ['message.new', 'message.status_update'], disabled: true }),
    });
    expect(response.status).toBe(201);
    const logger = new RecordingLogger();

    apps.push(await bootApp(env, { url: URL }, [MessageHandlers], logger));

    expect(emulator.endpoints()).toMatchObject([{ disabled: true }]);
    expect(logger.has('warn', /is disabled in Wazapin: it receives nothing until re-enabled/)).toBe(true);
  });

  it('fails clearly without an API key, and only when used', async () => {
    const logger = new RecordingLogger();
    const { WAZAPIN_API_KEY: _omitted, ...withoutKey } = env;
    apps.push(await bootApp(withoutKey, { url: URL }, [MessageHandlers], logger));

    expect(logger.has('error', /needs an API key: set the module option `api\.apiKey`/)).toBe(true);
    expect(emulator.requests).toEqual([]);
  });
});
