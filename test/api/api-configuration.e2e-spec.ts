import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  OnWazapinEvent,
  WazapinConfigurationError,
  wazapinApiOptionsFromEnv,
  WazapinWebhooksApiService,
  WazapinWebhooksModule,
  type WazapinEvent,
} from '../../lib/index.js';
import { createWazapinTestingModule, generateWazapinSecret } from '../../lib/testing/index.js';

@Injectable()
class Messages {
  readonly seen: string[] = [];

  @OnWazapinEvent('message.new')
  onMessage(event: WazapinEvent<'message.new'>): void {
    this.seen.push(event.payload.message_id);
  }
}

describe('api configuration', () => {
  it('receives webhooks without an API key; the service then fails clearly when called', async () => {
    const app = await createWazapinTestingModule({ providers: [Messages] });
    try {
      const delivery = await app.deliver('message.new', { message_id: 'm1' });
      expect(delivery.status).toBe(200);
      expect(app.get(Messages).seen).toEqual(['m1']);

      const api = app.get(WazapinWebhooksApiService);
      await expect(api.getSettings()).rejects.toBeInstanceOf(WazapinConfigurationError);
      await expect(api.createEndpoint({ url: 'https://a.example.com/hook' })).rejects.toThrow(/needs an API key/);
    } finally {
      await app.close();
    }
  });

  it('refuses a base URL that is not http(s) at startup', async () => {
    const builder = Test.createTestingModule({
      imports: [WazapinWebhooksModule.forRoot({ secrets: generateWazapinSecret(), api: { apiKey: 'k', baseUrl: 'ftp://api.example.com' } })],
    });

    await expect(builder.compile()).rejects.toThrow(/api\.baseUrl must be an absolute http\(s\) URL/);
  });

  it('refuses a base URL with a username or password, without repeating either', () => {
    for (const baseUrl of [
      'https://alice_admin:hunter2_pw@api.example.com',
      'https://alice_admin@api.example.com',
      'https://:hunter2_pw@api.example.com',
      'http://alice_admin:hunter%32_pw@127.0.0.1:9',
    ]) {
      let error: unknown;
      try {
        new WazapinWebhooksApiService({ apiKey: 'wzp_key', baseUrl });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(WazapinConfigurationError);
      const { message } = error as Error;
      expect(message).toMatch(/api\.baseUrl must not contain a username or password/);
      expect(message).not.toMatch(/alice|hunter/);
    }
  });

  it('refuses an API key or organization that could not be a header value, without quoting it (found by an outside attack)', () => {
    const client = new WazapinWebhooksApiService({ apiKey: 'wzp_key' });
    const attempts: [() => unknown, RegExp][] = [
      [() => new WazapinWebhooksApiService({ apiKey: 'wzp_secret\r\nX-Injected: 1' }), /api\.apiKey must be a string of visible ASCII characters .*got a string with other characters/],
      [() => client.withOptions({ apiKey: 'wzp_secret\nX: 1' }), /api\.apiKey must be a string of visible ASCII/],
      [() => client.withOptions({ apiKey: 'wzp_key', organizationSlug: 'acme\u0000' }), /api\.organizationSlug must be a string of visible ASCII/],
      [() => new WazapinWebhooksApiService({ apiKey: 'wzp_key', organizationSlug: 42 as unknown as string }), /api\.organizationSlug .*got a number/],
    ];
    for (const [attempt, message] of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(WazapinConfigurationError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/wzp_secret|acme/);
    }
  });

  it('refuses a plain http base URL unless it is loopback: the API key would cross the network in clear text', () => {
    for (const baseUrl of ['http://api.example.com', 'http://10.0.0.1:8080', 'http://localhost.example.com', 'http://127.0.0.1.nip.io', 'http://api.localhost']) {
      expect(() => new WazapinWebhooksApiService({ apiKey: 'wzp_key', baseUrl })).toThrow(/api\.baseUrl must be https/);
    }
    for (const baseUrl of ['https://api.example.com', 'https://10.0.0.1', 'http://localhost:3000', 'http://127.0.0.1:9', 'http://127.8.9.10', 'http://[::1]:8080']) {
      expect(() => new WazapinWebhooksApiService({ apiKey: 'wzp_key', baseUrl })).not.toThrow();
    }
  });

  it('refuses a negative timeout at startup', async () => {
    const builder = Test.createTestingModule({
      imports: [WazapinWebhooksModule.forRoot({ secrets: generateWazapinSecret(), api: { apiKey: 'k', timeoutMs: -1 } })],
    });

    await expect(builder.compile()).rejects.toThrow(/api\.timeoutMs must be a number of at least 1/);
  });

  it('reads the api option from environment variables, leaving unset ones to the defaults', () => {
    expect(
      wazapinApiOptionsFromEnv({ WAZAPIN_API_KEY: ' wzp_1 ', WAZAPIN_API_BASE_URL: 'http://127.0.0.1:9', WAZAPIN_ORG_SLUG: 'acme', OTHER: 'x' }),
    ).toEqual({ apiKey: 'wzp_1', baseUrl: 'http://127.0.0.1:9', organizationSlug: 'acme' });
    expect(wazapinApiOptionsFromEnv({ WAZAPIN_API_KEY: '', WAZAPIN_ORG_SLUG: '  ' })).toEqual({});
  });
});
