import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, WazapinWebhooksModule, type WazapinEvent } from '../../lib/index.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import { rawRequest } from '../support/raw-http.js';
import { ADAPTERS, startTestApp, type AdapterName, type TestApp } from '../support/webhook-app.js';

/**
 * Requests an attacker, a scanner or a misconfigured proxy sends to the webhook route: hostile
 * content types, bodies, event type names. Whatever comes, the route answers in its own JSON
 * format, never with a 5xx (unless the app really is misconfigured), never quoting the body,
 * never writing an ERROR line or a control character into the log, and runs no handler.
 */
const secret = generateWazapinSecret();
const handled: WazapinEvent[] = [];
/** Types whose next event fails once. */
const failNext: string[] = [];

@Injectable()
class Everything {
  @OnWazapinEvent('*')
  record(event: WazapinEvent) {
    handled.push(event);
    const index = failNext.indexOf(event.type);
    if (index !== -1) {
      failNext.splice(index, 1);
      throw new Error(`${event.type} failing once`);
    }
  }
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function expectRouteError(response: { status: number; text: string }, status: number, message: RegExp): void {
  expect(response.status).toBe(status);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toEqual({ statusCode: status, error: expect.any(String), message: expect.stringMatching(message) });
}

describe.each(ADAPTERS)('hostile requests on %s', (adapter: AdapterName) => {
  let t: TestApp;
  const boot = async (rawBody = true) => {
    t = await startTestApp(
      adapter,
      { imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline', eventTypeHeader: 'x-wazapin-event' })], providers: [Everything] },
      { rawBody },
    );
    return t;
  };
  const errorLines = () => t.logger.lines.filter((line) => line.level === 'error');
  const controlLines = () => t.logger.lines.filter((line) => CONTROL.test(line.message));

  beforeEach(() => {
    handled.length = 0;
    failNext.length = 0;
  });
  afterEach(async () => {
    await t.close();
  });

  describe('content types', () => {
    it.each([
      'application/vnd.api+json',
      'application/problem+json',
      'text/plain',
      'text/json',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/x-www-form-urlencoded',
      'application/json; charset=iso-8859-1',
      'application/json; charset=utf-16le',
      'application/json; charset="latin1"',
      'application/json;charset=utf8',
    ])('a signed delivery sent as %s answers 415, without an ERROR line, 200 times over', async (contentType) => {
      await boot();
      const signed = signWazapinDelivery({ secret, body: { contact_id: 'c1' } });
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => t.post({ ...signed.headers, 'content-type': contentType }, signed.body, '/webhooks/wazapin/contact.updated')),
      );
      for (const response of responses) {
        expectRouteError(response, 415, /must be application\/json in UTF-8/);
      }
      expect(errorLines()).toEqual([]);
      expect(handled).toEqual([]);
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"'])(
      'a signed delivery sent as %s is taken',
      async (contentType) => {
        await boot();
        const signed = signWazapinDelivery({ secret, body: { contact_id: 'c1' } });
        expect((await t.post({ ...signed.headers, 'content-type': contentType }, signed.body, '/webhooks/wazapin/contact.updated')).status).toBe(200);
      },
    );

    it('a delivery without a content type answers 415', async () => {
      await boot();
      const signed = signWazapinDelivery({ secret, body: { contact_id: 'c1' } });
      const headers = Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'content-type');
      const response = await rawRequest(t.url, 'POST', '/webhooks/wazapin/contact.updated', headers, signed.body);
      expectRouteError(response, 415, /must be application\/json/);
      expect(errorLines()).toEqual([]);
    });
  });

  describe('raw body really missing (rawBody not enabled)', () => {
    it('answers 500 and logs how to fix it, once a minute however many deliveries arrive', async () => {
      await boot(false);
      for (let i = 0; i < 50; i++) {
        expectRouteError(await t.deliver({ secret, body: { contact_id: 'c1' } }, '/webhooks/wazapin/contact.updated'), 500, /raw body unavailable/);
      }
      expect(errorLines().map((line) => line.message)).toEqual([expect.stringMatching(/rawBody: true/)]);
    });

    it('answers what is not a delivery without deciding the app is misconfigured: no headers 400, a stale timestamp 401, no log', async () => {
      await boot(false);
      expectRouteError(await t.post({ 'content-type': 'application/json' }, '{"contact_id":"c1"}'), 400, /Missing webhook header/);
      const stale = signWazapinDelivery({ secret, body: { contact_id: 'c1' }, timestamp: Math.floor(Date.now() / 1000) - 3600 });
      expectRouteError(await t.post({ ...stale.headers, 'content-type': 'application/json' }, stale.body), 401, /too old/);
      expect(errorLines()).toEqual([]);
    });
  });

  describe('bodies that are not JSON', () => {
    const garbage = ['this is not json {', '{"a":', '[1,2', "{'single':'quotes'}", 'secret-looking whsec_abc', '\u0000\u0001'];

    it.each(garbage)('a signed %p answers 400 "not valid JSON", never quoting the body', async (text) => {
      await boot();
      const signed = signWazapinDelivery({ secret, body: text });
      const response = await t.post({ ...signed.headers, 'content-type': 'application/json' }, signed.body, '/webhooks/wazapin/contact.updated');
      expectRouteError(response, 400, /^Webhook body is not valid JSON$/);
      expect(errorLines()).toEqual([]);
      expect(handled).toEqual([]);
    });

    it('checks the headers and the signature of such a body first', async () => {
      await boot();
      expectRouteError(await t.post({ 'content-type': 'application/json' }, 'garbage here'), 400, /Missing webhook header/);
      const signed = signWazapinDelivery({ secret: generateWazapinSecret(), body: 'garbage here' });
      expectRouteError(await t.post({ ...signed.headers, 'content-type': 'application/json' }, signed.body), 401, /No webhook signature matches/);
    });

    it('an empty signed body answers 400 "not valid JSON"', async () => {
      await boot();
      const signed = signWazapinDelivery({ secret, body: '' });
      expectRouteError(await t.post({ ...signed.headers, 'content-type': 'application/json' }, ''), 400, /^Webhook body is not valid JSON$/);
    });

    it('a signed body that is not UTF-8 answers 400', async () => {
      await boot();
      const bytes = Buffer.concat([Buffer.from('{"contact_id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
      const signed = signWazapinDelivery({ secret, body: bytes.toString('latin1') });
      const response = await rawRequest(
        t.url,
        'POST',
        '/webhooks/wazapin/contact.updated',
        [...Object.entries(signed.headers), ['content-type', 'application/json']],
        Buffer.from(signed.body, 'latin1'),
      );
      expectRouteError(response, 400, /not valid UTF-8/);
      expect(handled).toEqual([]);
    });

    it("a body over the HTTP server's own limit answers 413 in the route's format", async () => {
      await boot();
      const signed = signWazapinDelivery({ secret, body: { contact_id: 'x'.repeat(2_000_000) } });
      expectRouteError(await t.post({ ...signed.headers, 'content-type': 'application/json' }, signed.body), 413, /exceeds/);
    });

    it.each(['/elsewhere', '/admin/webhooks/wazapin/config', '/api/webhooks/wazapin', '/webhooks/wazapin/message.new/extra'])(
      "leaves other routes' body errors to the app: %s",
      async (path) => {
        await boot();
        const response = await t.post({ 'content-type': 'application/json' }, 'garbage here', path);
        expect(response.status).toBe(400);
        expect(response.text).not.toMatch(/webhook/i);
      },
    );
  });

  describe('event type names', () => {
    const hostilePaths = [
      '/webhooks/wazapin/x%0A%5BNest%5D%201%20-%20ERROR%20forged',
      '/webhooks/wazapin/message.new%1B%5B31m',
      '/webhooks/wazapin/Message.New',
      '/webhooks/wazapin/message-new',
      '/webhooks/wazapin/%2A',
      '/webhooks/wazapin/message..new',
      `/webhooks/wazapin/${'a'.repeat(300)}`,
      '/webhooks/wazapin/%C2%9B2J',
    ];

    it.each(hostilePaths)('a signed delivery posted to %s answers 400 and logs nothing forged', async (path) => {
      await boot();
      const signed = signWazapinDelivery({ secret, body: { contact_id: 'c1' } });
      const response = await rawRequest(t.url, 'POST', path, [...Object.entries(signed.headers), ['content-type', 'application/json']], signed.body);
      // Fastify refuses a path parameter over 100 characters itself, with 414.
      expect([400, 404, 414]).toContain(response.status);
      expect(response.text).not.toMatch(/ERROR forged|31m/);
      expect(handled).toEqual([]);
      expect(controlLines()).toEqual([]);
    });

    it.each(['Message.New', 'message.new\u009b', 'x y', 'message.new;drop', '../etc'])('an event type header %p answers 400', async (value) => {
      await boot();
      const signed = signWazapinDelivery({ secret, body: { contact_id: 'c1' } });
      const response = await rawRequest(
        t.url,
        'POST',
        '/webhooks/wazapin',
        [...Object.entries(signed.headers), ['content-type', 'application/json'], ['x-wazapin-event', value]],
        signed.body,
      );
      expectRouteError(response, 400, /not an event type name/);
      expect(handled).toEqual([]);
      expect(controlLines()).toEqual([]);
    });

    it('a captured delivery replayed to another type\'s path does not take the genuine delivery\'s claim', async () => {
      await boot();
      failNext.push('message.new');
      const signed = signWazapinDelivery({ secret, body: { message_id: 'm_replayed', direction: 'inbound' } });
      const post = (path: string) => t.post({ ...signed.headers, 'content-type': 'application/json' }, signed.body, path);

      expect((await post('/webhooks/wazapin/message.new')).status).toBe(500);
      // The replay is signed, so it is handled, as the type its path names.
      expect((await post('/webhooks/wazapin/template.status_update')).status).toBe(200);
      // The platform's retry is still the genuine delivery, not a duplicate.
      const retry = await post('/webhooks/wazapin/message.new');
      expect(retry).toMatchObject({ status: 200, json: { received: true } });
      expect(handled.map((event) => `${event.type} ${event.id}`)).toEqual([
        `message.new ${signed.id}`,
        `template.status_update ${signed.id}`,
        `message.new ${signed.id}`,
      ]);
    });

    it('a delivery id with control characters is logged escaped', async () => {
      await boot();
      const signed = signWazapinDelivery({ secret, id: 'msg_\u009b31m', body: { contact_id: 'c1' } });
      const response = await rawRequest(
        t.url,
        'POST',
        '/webhooks/wazapin/brand.new_type',
        [...Object.entries(signed.headers), ['content-type', 'application/json']],
        signed.body,
      );
      expect(response.status).toBe(200);
      expect(t.logger.has('warn', /brand\.new_type/)).toBe(true);
      expect(controlLines()).toEqual([]);
    });
  });
});
