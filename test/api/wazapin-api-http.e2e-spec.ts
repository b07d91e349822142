import { WazapinApiError, WazapinWebhooksApiService } from '../../lib/index.js';
import { WazapinEmulator } from '../../lib/testing/index.js';
import { freePort } from '../support/free-port.js';
import { waitUntil } from '../support/wait-until.js';
import { type ApiTestKit, json, type LoopbackApi, noContent, rejection, startApiModule, startApiTestKit, startLoopbackApi } from './api-test-kit.js';

const WEBHOOKS = '/v1/settings/developer/webhooks';

describe('WazapinWebhooksApiService HTTP behaviour', () => {
  let kit: ApiTestKit;

  afterEach(async () => {
    await kit?.close();
  });

  describe('authentication and organization', () => {
    it('fails with 401 on a bad key, not retried, and never shows the key', async () => {
      kit = await startApiTestKit({ apiKey: 'wzp_right_key' }, { apiKey: 'wzp_wrong_key_0123456789' });

      const error = await rejection(kit.api.getSettings());

      expect(error).toBeInstanceOf(WazapinApiError);
      expect(error).toMatchObject({ status: 401, code: 'unauthorized', method: 'GET', path: '/v1/settings/developer/webhooks', attempts: 1 });
      const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
      expect(shown).not.toContain('wzp_wrong_key_0123456789');
      expect(kit.emulator.requests).toHaveLength(1);
    });

    it('sends X-Organization-Slug; a slug the key has no access to is refused', async () => {
      kit = await startApiTestKit({ organizationSlug: 'acme' }, { organizationSlug: 'acme' });
      await kit.api.getSettings();
      expect(kit.emulator.requests[0]).toMatchObject({ organizationSlug: 'acme', status: 200 });
      await kit.close();

      kit = await startApiTestKit({ organizationSlug: 'acme' }, { organizationSlug: 'globex' });
      expect(await rejection(kit.api.getSettings())).toMatchObject({ status: 403, code: 'forbidden' });
    });
  });

  describe('retries', () => {
    it('retries a 429 after the Retry-After the API asked for', async () => {
      kit = await startApiTestKit();
      kit.emulator.failNextRequests(1, { status: 429, retryAfterSeconds: 1 });

      const endpoint = await kit.api.createEndpoint({ url: 'https://a.example.com/hook' });

      const [limited, created] = kit.emulator.requests;
      expect(limited.status).toBe(429);
      expect(created.status).toBe(201);
      expect(created.at - limited.at).toBeGreaterThanOrEqual(1000);
      expect(kit.emulator.endpoints().map((e) => e.id)).toEqual([endpoint.id]);
    });

    it('retries a 429 from the rate limiter', async () => {
      kit = await startApiTestKit({ rateLimit: { limit: 2, windowMs: 1000 } });

      for (let i = 0; i < 3; i++) {
        await kit.api.getSettings();
      }

      expect(kit.emulator.requests.map((r) => r.status)).toEqual([200, 200, 429, 200]);
    });

    it('fails at once when Retry-After asks for longer than maxRetryDelayMs', async () => {
      kit = await startApiTestKit({}, { maxRetryDelayMs: 5000 });
      kit.emulator.failNextRequests(1, { status: 429, retryAfterSeconds: 120 });

      const error = await rejection(kit.api.getSettings());

      expect(error).toMatchObject({ status: 429, retryAfterSeconds: 120, attempts: 1 });
    });

    it('retries a 503, then succeeds', async () => {
      kit = await startApiTestKit();
      kit.emulator.failNextRequests(2, { status: 503 });

      const settings = await kit.api.getSettings();

      expect(settings.endpoints).toEqual([]);
      expect(kit.emulator.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    });

    it('gives up after `retries` retries with the last error', async () => {
      kit = await startApiTestKit({}, { retries: 2 });
      kit.emulator.failNextRequests(5, { status: 502 });

      const error = await rejection(kit.api.listDeliveries());

      expect(error).toMatchObject({ status: 502, attempts: 3 });
      expect(kit.emulator.requests).toHaveLength(3);
    });

    it('does not repeat a POST after a 5xx, unless a 503 carries Retry-After', async () => {
      kit = await startApiTestKit();
      kit.emulator.failNextRequests(1, { status: 500 });
      expect(await rejection(kit.api.createEndpoint({ url: 'https://a.example.com/hook' }))).toMatchObject({ status: 500, attempts: 1 });

      kit.emulator.failNextRequests(1, { status: 503, retryAfterSeconds: 0 });
      await kit.api.createEndpoint({ url: 'https://a.example.com/hook' });

      expect(kit.emulator.requests.map((r) => r.status)).toEqual([500, 503, 201]);
      expect(kit.emulator.endpoints()).toHaveLength(1);
    });

    it('never retries other 4xx', async () => {
      kit = await startApiTestKit();
      kit.emulator.failNextRequests(1, { status: 409 });

      expect(await rejection(kit.api.getSettings())).toMatchObject({ status: 409, code: 'injected_fault', attempts: 1 });
      expect(kit.emulator.requests).toHaveLength(1);
    });

    it('times out an attempt, and retries an idempotent call after a timeout', async () => {
      kit = await startApiTestKit({}, { timeoutMs: 150, retries: 0 });
      kit.emulator.delayNextRequests(1, 1000);
      expect(await rejection(kit.api.getSettings())).toMatchObject({ status: undefined, code: 'timeout', attempts: 1 });
      await kit.close();

      kit = await startApiTestKit({}, { timeoutMs: 150 });
      kit.emulator.delayNextRequests(1, 1000);
      await expect(kit.api.getSettings()).resolves.toMatchObject({ endpoints: [] });
      expect(kit.emulator.requests).toHaveLength(2);
    });

    it('does not repeat a POST whose answer was lost: it may have been applied', async () => {
      kit = await startApiTestKit();
      kit.emulator.dropNextRequests(1, { afterProcessing: true });

      const error = await rejection(kit.api.createEndpoint({ url: 'https://a.example.com/hook' }));

      expect(error).toMatchObject({ status: undefined, code: 'network_error', attempts: 1 });
      expect((error as Error).message).toMatch(/may have reached the API/);
      expect(kit.emulator.requests).toHaveLength(1);
      expect(kit.emulator.endpoints()).toHaveLength(1);
    });

    it('repeats a GET whose connection broke', async () => {
      kit = await startApiTestKit();
      kit.emulator.dropNextRequests(1);

      await expect(kit.api.getSettings()).resolves.toMatchObject({ endpoints: [] });
      expect(kit.emulator.requests).toHaveLength(2);
    });

    it('counts a repeated DELETE that finds nothing as done when the first may have deleted', async () => {
      kit = await startApiTestKit();
      const endpoint = await kit.api.createEndpoint({ url: 'https://a.example.com/hook' });
      kit.emulator.dropNextRequests(1, { afterProcessing: true });

      await kit.api.deleteEndpoint(endpoint.id);

      expect(kit.emulator.requests.slice(1).map((r) => [r.method, r.status])).toEqual([
        ['DELETE', 0],
        ['DELETE', 404],
      ]);
      expect(kit.emulator.endpoints()).toEqual([]);
    });

    it('repeats a POST whose connection was refused: it never reached the API', async () => {
      const port = await freePort();
      const api = new WazapinWebhooksApiService({ apiKey: 'wzp_key', baseUrl: `http://127.0.0.1:${port}`, retryDelayMs: 200, retries: 5 });

      const call = api.createEndpoint({ url: 'https://a.example.com/hook' });
      // Connection refused takes well under a millisecond; the first retry waits at least 100 ms.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const emulator = await WazapinEmulator.start({ port, apiKey: 'wzp_key' });
      try {
        const endpoint = await call;
        expect(emulator.requests).toHaveLength(1);
        expect(emulator.endpoints().map((e) => e.id)).toEqual([endpoint.id]);
      } finally {
        await emulator.close();
      }
    });

    it('reports a refused connection once the retries are spent', async () => {
      const port = await freePort();
      const api = new WazapinWebhooksApiService({ apiKey: 'wzp_key', baseUrl: `http://127.0.0.1:${port}`, retryDelayMs: 1, retries: 2 });

      const error = await rejection(api.rotateSecret('ep_1'));

      expect(error).toMatchObject({ status: undefined, code: 'network_error', attempts: 3 });
      expect((error as Error).message).toContain('ECONNREFUSED');
    });
  });

  describe('answers in other shapes', () => {
    let server: LoopbackApi;
    let api: WazapinWebhooksApiService;

    beforeEach(async () => {
      server = await startLoopbackApi();
      api = new WazapinWebhooksApiService({ apiKey: 'wzp_secret_key_42', baseUrl: server.baseUrl, retryDelayMs: 1 });
    });

    afterEach(async () => {
      await server.close();
    });

    it.each([
      ['that says its length', true],
      ['streamed without a length', false],
    ])('stops reading an answer over 16 MiB %s, and fails as invalid_response', async (_name, declared) => {
      let written = 0;
      let cut = false;
      server.answer = (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(64 * 1024 * 1024) } : {}) });
        const chunk = Buffer.alloc(1024 * 1024, 'a');
        response.on('close', () => (cut = written < 64));
        const pump = () => {
          while (written < 64 && response.write(chunk)) {
            written++;
          }
          if (written < 64) {
            response.once('drain', pump);
          } else {
            response.end();
          }
        };
        pump();
      };

      const error = await rejection(api.getSettings());
      expect(error).toMatchObject({ status: 200, code: 'invalid_response', attempts: 1 });
      expect((error as Error).message).toMatch(/more than 16777216 bytes/);
      await waitUntil('the server to see the answer cut', () => cut);
      expect(written).toBeLessThan(64);
    });

    it('keeps the API key out of the code, fields, message, path and retry log lines, raw, URL-encoded or as a Bearer header', async () => {
      const key = 'wzp_s3cret/key+42=';
      const encoded = encodeURIComponent(key);
      const forms = [key, encoded, encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())];
      const warnings: string[] = [];
      server.answer = (request, response) =>
        json(
          503,
          {
            error: {
              code: `bad_${key}`,
              message: `got ${request.headers.authorization} and ${forms[2]}`,
              fields: { [`field_${encoded}`]: [`value ${key}`], other: `also ${forms[2]}` },
            },
          },
          { 'retry-after': '0' },
        )(request, response);
      const moduleRef = await startApiModule(
        { apiKey: key, baseUrl: server.baseUrl, retries: 1, retryDelayMs: 1 },
        { log() {}, error() {}, warn: (message: unknown) => void warnings.push(String(message)) },
      );

      // A cursor is whatever the API sent as next_cursor: it too may echo the key.
      const error = await rejection(moduleRef.get(WazapinWebhooksApiService).listDeliveries({ cursor: `c_${key}` }));
      await moduleRef.close();

      expect(error).toMatchObject({
        status: 503,
        attempts: 2,
        path: `${WEBHOOKS}/deliveries?cursor=c_[redacted]`,
        code: 'bad_[redacted]',
        apiMessage: 'got Bearer [redacted] and [redacted]',
        fields: { 'field_[redacted]': ['value [redacted]'], other: ['also [redacted]'] },
      });
      expect(warnings).toEqual([expect.stringMatching(/^GET .*cursor=c_\[redacted\]: got Bearer \[redacted\] and \[redacted\]; retry 1\/1/)]);
      const shown = [String(error), (error as Error).stack, JSON.stringify(error), ...warnings].join('\n');
      for (const form of forms) {
        expect(shown).not.toContain(form);
      }
    });

    it('reports a 2xx that is not JSON, or not the expected shape, as invalid_response without retrying', async () => {
      server.answer = (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>maintenance</html>');
      };
      expect(await rejection(api.getSettings())).toMatchObject({ code: 'invalid_response', attempts: 1 });

      server.answer = json(201, { data: { url: 'https://a.example.com/hook' } });
      expect(await rejection(api.createEndpoint({ url: 'https://a.example.com/hook' }))).toMatchObject({ code: 'invalid_response' });
      expect(server.requests).toHaveLength(2);
    });

    it('reads settings given as a bare list, and a retry answered with 204', async () => {
      server.answer = json(200, { data: [{ id: 'ep_1', url: 'https://a.example.com/hook' }] });
      expect(await api.getSettings()).toEqual({ endpoints: [{ id: 'ep_1', url: 'https://a.example.com/hook' }] });

      server.answer = noContent;
      expect(await api.retryDelivery('msg_1')).toEqual({ message_id: 'msg_1' });
    });

    describe('rotateSecret, whatever shape the answer has: the rotation happened, so a secret sent is never thrown away', () => {
      const rotated = `${WEBHOOKS}/endpoints/ep_1/rotate-secret`;
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

      it.each([
        ['the secret alone', { data: { secret } }, { id: 'ep_1', secret }],
        ['the endpoint', { data: { id: 'ep_1', url: 'https://a.example.com/hook', secret, version: 2 } }, { id: 'ep_1', url: 'https://a.example.com/hook', secret, version: 2 }],
        ['no envelope', { secret, expires_previous_at: 'tomorrow' }, { id: 'ep_1', secret, expires_previous_at: 'tomorrow' }],
        [
          'the endpoint one level down',
          { data: { rotated_at: 'now', endpoint: { id: 'ep_1', secret } } },
          { id: 'ep_1', rotated_at: 'now', endpoint: { id: 'ep_1', secret }, secret },
        ],
        ['the secret beside the envelope', { data: { id: 'ep_1' }, secret }, { id: 'ep_1', data: { id: 'ep_1' }, secret }],
        ['the secret as the whole result', { data: secret }, { id: 'ep_1', secret }],
        ['an id of its own', { data: { id: 'ep_renamed', secret } }, { id: 'ep_renamed', secret }],
        ['a list holding the endpoint', [{ id: 'ep_1', secret }], { id: 'ep_1', secret }],
        ['the secret deeper down', { data: { result: { endpoint: { secret } } } }, { id: 'ep_1', result: { endpoint: { secret } }, secret }],
      ])('reads %s', async (_label, body, expected) => {
        server.answer = json(200, body);

        await expect(api.rotateSecret('ep_1')).resolves.toStrictEqual(expected);
        expect(server.requests).toEqual([{ method: 'POST', url: rotated }]);
      });

      it.each([
        ['a 204', undefined, { id: 'ep_1' }],
        ['an empty object', {}, { id: 'ep_1' }],
        ['null', null, { id: 'ep_1' }],
        ['the endpoint without its secret', { data: { id: 'ep_1', url: 'https://a.example.com/hook' } }, { id: 'ep_1', url: 'https://a.example.com/hook' }],
        ['a secret under a name of its own, kept as sent', { data: { signing_secret: secret } }, { id: 'ep_1', signing_secret: secret }],
      ])('returns the id without a secret for %s', async (_label, body, expected) => {
        server.answer = body === undefined ? noContent : json(200, body);

        await expect(api.rotateSecret('ep_1')).resolves.toStrictEqual(expected);
      });

      it.each([
        ['a list of words', ['rotated']],
        ['a sentence', `the new secret is ${secret}`],
        ['a number', 42],
      ])('reports %s as invalid_response, without any secret it quotes, and does not rotate again', async (_label, body) => {
        server.answer = json(200, body);

        const error = await rejection(api.rotateSecret('ep_1'));

        expect(error).toMatchObject({ code: 'invalid_response', attempts: 1 });
        expect(`${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`).not.toContain(secret);
        expect(server.requests).toHaveLength(1);
      });
    });

    it('honours a Retry-After given as an HTTP date, which makes even a POST safe to repeat', async () => {
      const answers = [
        json(503, { error: { message: 'busy' } }, { 'retry-after': new Date(Date.now() + 1000).toUTCString() }),
        json(201, { data: { id: 'ep_1', url: 'https://a.example.com/hook', secret: 'whsec_x' } }),
      ];
      server.answer = (request, response) => answers.shift()!(request, response);

      await expect(api.createEndpoint({ url: 'https://a.example.com/hook' })).resolves.toMatchObject({ id: 'ep_1' });
      expect(server.requests).toHaveLength(2);
    });

    it('stops iterating when the API hands back a cursor it gave before', async () => {
      server.answer = json(200, { data: [{ id: 'a', message_id: 'm', endpoint_id: 'e', status: 'success', timestamp: '' }], next_cursor: 'same' });

      const seen: string[] = [];
      const error = await rejection(
        (async () => {
          for await (const delivery of api.iterateDeliveries()) {
            seen.push(delivery.id);
          }
        })(),
      );

      expect(error).toMatchObject({ code: 'pagination_loop' });
      expect(seen).toEqual(['a', 'a']);
    });
  });
});
