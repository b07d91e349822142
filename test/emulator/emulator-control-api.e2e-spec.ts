import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WazapinEmulator, type WazapinEmulatorOptions } from '../../lib/testing/index.js';

/** Tiny enough that the whole retry schedule runs in milliseconds. */
const SCALE = 0.0001;

type Hit = { path: string; headers: IncomingHttpHeaders; body: string };
type Answer = { status: number; body?: string; headers?: Record<string, string> };

/** A plain HTTP endpoint: records every request, answers what `answer` scripts. */
class Receiver {
  readonly hits: Hit[] = [];
  answer: (hit: Hit, index: number) => Answer | Promise<Answer> = () => ({ status: 200, body: 'ok' });

  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const hit: Hit = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
        receiver.hits.push(hit);
        const answer = await receiver.answer(hit, receiver.hits.length - 1);
        response.on('error', () => undefined);
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The requests carrying delivery id `messageId`. */
  of = (messageId: string): Hit[] => this.hits.filter((hit) => hit.headers['svix-id'] === messageId);

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers, checked field by field */
type Reply = { status: number; headers: Headers; json: any };

async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `secret` as the platform signs with it: base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`. */
function sign(secret: string, id: string, timestamp: string | number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

type SseEvent = { event: string; data: any };

/** Reads `/v1/emulator/stream` into `events` until the stream ends or is aborted. */
async function openStream(emulator: WazapinEmulator): Promise<{ response: Response; events: SseEvent[]; ended: Promise<void>; abort: () => void }> {
  const controller = new AbortController();
  const response = await fetch(`${emulator.baseUrl}/v1/emulator/stream`, { headers: { authorization: `Bearer ${emulator.apiKey}` }, signal: controller.signal });
  const events: SseEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const lines = block.split('\n').filter((line) => !line.startsWith(':'));
          const name = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
          if (name) events.push({ event: name, data: data === '' ? undefined : JSON.parse(data) });
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return { response, events, ended, abort: () => controller.abort() };
}

describe('WazapinEmulator control API (/v1/emulator)', () => {
  let emulator: WazapinEmulator | undefined;
  let receiver: Receiver;

  const em = (): WazapinEmulator => emulator!;
  const start = async (options: WazapinEmulatorOptions = {}) => (emulator = await WazapinEmulator.start({ retryScale: SCALE, ...options }));

  async function call(url: string, method: string, body?: unknown, init: { auth?: boolean; raw?: string } = {}): Promise<Reply> {
    const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const headers: Record<string, string> = init.auth === false ? {} : { authorization: `Bearer ${em().apiKey}` };
    const response = await fetch(url, { method, headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body: payload });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {} // not JSON: keep the text
    return { status: response.status, headers: response.headers, json };
  }

  const control = (method: string, path: string, body?: unknown, init?: { auth?: boolean; raw?: string }) =>
    call(`${em().baseUrl}/v1/emulator${path}`, method, body, init);
  const platform = (method: string, path: string, body?: unknown) => call(`${em().webhooksUrl}${path}`, method, body);

  async function createEndpoint(url = receiver.url()): Promise<{ id: string; secret: string }> {
    const response = await platform('POST', '/endpoints', { url });
    expect(response.status).toBe(201);
    return response.json.data;
  }

  async function rotate(endpointId: string): Promise<string> {
    const response = await platform('POST', `/endpoints/${endpointId}/rotate-secret`);
    expect(response.status).toBeLessThan(300);
    return response.json.data.secret;
  }

  async function publish(body: unknown): Promise<{ message_id: string; endpoint_ids: string[] }> {
    const response = await control('POST', '/publish', body);
    expect(response.status).toBe(202);
    return response.json.data;
  }

  /** Attempts of a message, oldest first. */
  const attemptsOf = (messageId: string, endpointId?: string) =>
    em().deliveries({ message_id: messageId, ...(endpointId ? { endpoint_id: endpointId } : {}) }).reverse();

  beforeEach(async () => {
    receiver = await Receiver.start();
  });

  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    await receiver.close();
  });

  it('needs the API key on every route; is neither recorded nor hit by API faults or the rate limit', async () => {
    await start({ rateLimit: { limit: 3, windowMs: 60_000 } });
    const routes: [string, string, unknown?][] = [
      ['GET', ''], ['GET', '/endpoints'], ['POST', '/publish', { event_type: 'message.new', payload: {} }],
      ['POST', '/messages/msg_x/copy', {}], ['GET', '/attempts/att_x'], ['GET', '/stream'],
    ];
    for (const [method, path, body] of routes) {
      const response = await control(method, path, body, { auth: false });
      expect([method, path, response.status, response.json?.error?.code]).toEqual([method, path, 401, 'unauthorized']);
      expect(typeof response.json.error.message).toBe('string');
    }
    expect(em().requests).toHaveLength(0);

    em().failNextRequests(1);
    em().dropNextRequests(1);
    expect((await control('GET', '')).status).toBe(200);
    expect((await control('GET', '/endpoints')).status).toBe(200);
    expect((await control('POST', '/publish', { event_type: 'message.new', payload: { message_id: 'm1' } })).status).toBe(202);
    expect(em().requests).toHaveLength(0);

    // The armed fault is still there for the platform API.
    expect((await platform('GET', '')).status).toBe(503);
    await expect(platform('GET', '')).rejects.toThrow();
    expect((await platform('GET', '')).status).toBe(200);
    expect(em().requests.map((r) => r.status)).toEqual([503, 0, 200]);
    // Once the platform API is rate limited, the control API still answers.
    let limited = 0;
    for (let i = 0; i < 5 && limited !== 429; i++) limited = (await platform('GET', '')).status;
    expect(limited).toBe(429);
    expect((await control('GET', '/endpoints')).status).toBe(200);
  });

  it('GET /v1/emulator describes event types with samples, faults, headers and the dashboard URL', async () => {
    await start();
    const { status, json } = await control('GET', '');

    expect(status).toBe(200);
    const data = json.data;
    const messageNew = data.event_types.find((t: { type: string }) => t.type === 'message.new');
    expect(typeof messageNew.sample.message_id).toBe('string');
    expect(data.event_types.every((t: { type: unknown; sample: unknown }) => typeof t.type === 'string' && typeof t.sample === 'object' && t.sample !== null)).toBe(true);
    expect(data.faults).toEqual(['timeout', 'http-500', 'drop']);
    expect(data).toMatchObject({ header_family: 'svix', body: 'flat', delivery_timeout_ms: expect.any(Number), retry_schedule_ms: expect.any(Array) });
    expect(data.dashboard_url).toBe(em().dashboardUrl);
    expect(data.dashboard_url).toContain('#key=');
    expect(em().dashboardUrl).toBe(`${em().baseUrl}/#key=${encodeURIComponent(em().apiKey)}`);

    await em().close();
    await start({ eventTypes: ['message.new', 'custom.thing'], headers: 'webhook', body: 'envelope', retryScale: 0.5, retrySchedule: [0, 1000], deliveryTimeoutMs: 1234 });
    const custom = (await control('GET', '')).json.data;
    expect(custom.event_types.map((t: { type: string }) => t.type)).toEqual(['message.new', 'custom.thing']);
    expect(custom.event_types[1].sample).toEqual({});
    expect(custom).toMatchObject({ header_family: 'webhook', body: 'envelope', retry_schedule_ms: [0, 500], delivery_timeout_ms: 1234 });
  });

  it('GET /v1/emulator/endpoints gives secrets, and rotated-out ones in previous_secrets', async () => {
    await start();
    const endpoint = await createEndpoint();
    const before = (await control('GET', '/endpoints')).json.data;
    expect(before).toEqual(em().endpoints());
    expect(before).toMatchObject([{ id: endpoint.id, secret: endpoint.secret, previous_secrets: [] }]);

    const rotated = await rotate(endpoint.id);
    const after = await control('GET', '/endpoints');

    expect(after.status).toBe(200);
    expect(after.json.data).toMatchObject([{ id: endpoint.id, secret: rotated, previous_secrets: [endpoint.secret] }]);
    expect(after.json.data).toEqual(em().endpoints());
  });

  it('POST /publish delivers the exact payload; rejects bad input by field', async () => {
    await start();
    const endpoint = await createEndpoint();
    const payload = { message_id: 'm1', text: 'héllo ✓', nested: { n: 1, list: [1, 'two'] } };

    const published = await control('POST', '/publish', { event_type: 'message.new', payload });
    await em().settled();

    expect(published.status).toBe(202);
    expect(published.json.data).toEqual({ message_id: expect.stringMatching(/^msg_/), endpoint_ids: [endpoint.id] });
    expect(receiver.hits).toHaveLength(1);
    expect(receiver.hits[0].headers['svix-id']).toBe(published.json.data.message_id);
    expect(receiver.hits[0].body).toBe(JSON.stringify(payload));

    const invalid: [unknown, string][] = [
      [{ event_type: 'order.created', payload: {} }, 'event_type'],
      [{ event_type: 'message.new', payload: [1] }, 'payload'],
      [{ event_type: 'message.new', payload: null }, 'payload'],
      [{ event_type: 'message.new', payload: 'text' }, 'payload'],
      [{ event_type: 'message.new' }, 'payload'],
      [{ event_type: 'message.new', payload: {}, fault: 'explode' }, 'fault'],
    ];
    for (const [body, field] of invalid) {
      const response = await control('POST', '/publish', body);
      expect([field, response.status, response.json.error.code]).toEqual([field, 422, 'validation_error']);
      expect(Object.keys(response.json.error.fields)).toContain(field);
    }
    const both = await control('POST', '/publish', { event_type: 'nope', payload: [], fault: 'nope' });
    expect(Object.keys(both.json.error.fields).sort()).toEqual(['event_type', 'fault', 'payload']);

    const notJson = await control('POST', '/publish', undefined, { raw: '{"event_type":' });
    expect([notJson.status, notJson.json.error.code]).toEqual([400, 'invalid_json']);
    expect((await control('GET', '/publish')).json.error.code).toBe('method_not_allowed');
    await em().settled();
    expect(receiver.hits).toHaveLength(1);
  });

  it.each([
    ['timeout', null, 'Injected fault: timeout', true],
    ['http-500', 500, 'Injected fault: 500', false],
    ['drop', null, 'Injected fault: drop', false],
  ] as const)('fault %s hits the first attempt to each endpoint only; the retry succeeds', async (fault, code, response, sent) => {
    await start({ deliveryTimeoutMs: 2000 });
    const a = await createEndpoint(receiver.url('/a'));
    const b = await createEndpoint(receiver.url('/b'));

    const faulted = await publish({ event_type: 'message.new', payload: { message_id: 'm1' }, fault });
    const clean = await publish({ event_type: 'message.new', payload: { message_id: 'm2' } });
    await em().settled();

    expect(faulted.endpoint_ids.sort()).toEqual([a.id, b.id].sort());
    for (const endpoint of [a, b]) {
      const attempts = attemptsOf(faulted.message_id, endpoint.id);
      expect(attempts.map((x) => [x.attempt, x.status, x.response_status_code])).toEqual([
        [1, 'failed', code],
        [2, 'success', 200],
      ]);
      expect(String(attempts[0].response).startsWith(response)).toBe(true);
      const first = (await control('GET', `/attempts/${attempts[0].id}`)).json.data;
      expect([first.fault, first.request !== null, first.signature !== null]).toEqual([fault, sent, sent]);
      expect((await control('GET', `/attempts/${attempts[1].id}`)).json.data.fault).toBeNull();
      // The other message, published right after, is not faulted.
      expect(attemptsOf(clean.message_id, endpoint.id).map((x) => [x.attempt, x.status])).toEqual([[1, 'success']]);
    }
    const hits = receiver.of(faulted.message_id);
    expect(hits).toHaveLength(sent ? 4 : 2);
    expect(hits.map((h) => h.path).sort()).toEqual(sent ? ['/a', '/a', '/b', '/b'] : ['/a', '/b']);
    expect(receiver.of(clean.message_id)).toHaveLength(2);
  });

  it('GET /attempts/:id shows the exact request, decoded signatures and the response', async () => {
    await start({ secretGracePeriodMs: 60_000 });
    const endpoint = await createEndpoint();
    receiver.answer = () => ({ status: 200, body: 'accepted by the receiver', headers: { 'x-receiver-tag': 'tag-42' } });

    const { message_id } = await publish({ event_type: 'message.new', payload: { message_id: 'm1', text: 'hi' } });
    await em().settled();
    const [attempt] = attemptsOf(message_id);
    const detail = await control('GET', `/attempts/${attempt.id}`);

    expect(detail.status).toBe(200);
    const data = detail.json.data;
    const [hit] = receiver.hits;
    expect(data.attempt).toEqual(attempt);
    expect(data.message).toEqual({ id: message_id, event_type: 'message.new', endpoint_ids: [endpoint.id] });
    expect(data.fault).toBeNull();
    expect(data.request).toMatchObject({ method: 'POST', url: receiver.url(), body: hit.body });
    for (const name of ['svix-id', 'svix-timestamp', 'svix-signature', 'content-type', 'content-length']) {
      expect([name, data.request.headers[name]]).toEqual([name, hit.headers[name]]);
    }
    expect(Object.keys(data.request.headers).every((name) => name === name.toLowerCase())).toBe(true);
    const timestamp = String(hit.headers['svix-timestamp']);
    expect(data.signature).toEqual({
      header: 'svix-signature',
      id: message_id,
      timestamp: Number(timestamp),
      signed_at: new Date(Number(timestamp) * 1000).toISOString(),
      entries: [{ version: 'v1', signature: sign(endpoint.secret, message_id, timestamp, hit.body), secret: 'current', secret_suffix: endpoint.secret.slice(-4) }],
    });
    expect(hit.headers['svix-signature']).toBe(`v1,${data.signature.entries[0].signature}`);
    expect(data.response).toMatchObject({ status: 200, body: 'accepted by the receiver' });
    expect(data.response.headers['x-receiver-tag']).toBe('tag-42');
    expect(typeof data.response.duration_ms).toBe('number');

    // After a rotation: signed with the new secret and the old one, still in its grace period.
    const rotated = await rotate(endpoint.id);
    const second = await publish({ event_type: 'message.new', payload: { message_id: 'm2' } });
    await em().settled();
    const rotatedHit = receiver.of(second.message_id)[0];
    const signature = (await control('GET', `/attempts/${attemptsOf(second.message_id)[0].id}`)).json.data.signature;
    const ts = String(rotatedHit.headers['svix-timestamp']);
    expect(signature.entries).toHaveLength(2);
    expect(rotatedHit.headers['svix-signature']).toBe(signature.entries.map((e: { signature: string }) => `v1,${e.signature}`).join(' '));
    const bySecret = Object.fromEntries(signature.entries.map((e: { secret: string }) => [e.secret, e]));
    expect(bySecret.current).toEqual({ version: 'v1', secret: 'current', secret_suffix: rotated.slice(-4), signature: sign(rotated, second.message_id, ts, rotatedHit.body) });
    expect(bySecret.previous).toEqual({ version: 'v1', secret: 'previous', secret_suffix: endpoint.secret.slice(-4), signature: sign(endpoint.secret, second.message_id, ts, rotatedHit.body) });

    // An attempt that was never sent has no request and no signature.
    const faulted = await publish({ event_type: 'message.new', payload: { message_id: 'm3' }, fault: 'http-500' });
    await em().settled();
    const notSent = (await control('GET', `/attempts/${attemptsOf(faulted.message_id)[0].id}`)).json.data;
    expect(notSent).toMatchObject({ fault: 'http-500', request: null, signature: null, response: { status: 500 } });

    const missing = await control('GET', '/attempts/att_does_not_exist');
    expect([missing.status, missing.json.error.code]).toEqual([404, 'not_found']);
  });

  it('GET /attempts/:id of an attempt still sending: response null, request already there', async () => {
    await start();
    await createEndpoint();
    let release: (() => void) | undefined;
    receiver.answer = () => new Promise<Answer>((resolve) => (release = () => resolve({ status: 200, body: 'late' })));

    const { message_id } = await publish({ event_type: 'message.new', payload: { message_id: 'm1' } });
    await until(() => release !== undefined, 5000, 'the request');
    const sending = (await control('GET', `/attempts/${attemptsOf(message_id)[0].id}`)).json.data;
    release!();
    await em().settled();

    expect([sending.attempt.status, sending.response]).toEqual(['sending', null]);
    expect(sending.request).toMatchObject({ method: 'POST', body: receiver.hits[0].body });
  });

  it('POST /messages/:id/copy resends the same bytes as a new message, skipping disabled and deleted endpoints', async () => {
    await start();
    const a = await createEndpoint(receiver.url('/a'));
    const b = await createEndpoint(receiver.url('/b'));
    const original = await publish({ event_type: 'message.status_update', payload: { message_id: 'm1', status: 'read', note: 'ünï' } });
    await em().settled();
    const originalBody = receiver.of(original.message_id)[0].body;

    const all = await control('POST', `/messages/${original.message_id}/copy`);
    await em().settled();
    expect(all.status).toBe(202);
    const copyId = all.json.data.message_id;
    expect([/^msg_/.test(copyId), copyId !== original.message_id]).toEqual([true, true]);
    expect(all.json.data.endpoint_ids.sort()).toEqual([a.id, b.id].sort());
    expect(receiver.of(copyId).map((h) => h.path).sort()).toEqual(['/a', '/b']);
    expect(receiver.of(copyId).every((h) => h.body === originalBody)).toBe(true);
    expect(attemptsOf(copyId).every((x) => x.event_type === 'message.status_update' && x.status === 'success')).toBe(true);

    const one = await control('POST', `/messages/${original.message_id}/copy`, { endpoint_id: b.id });
    await em().settled();
    expect(one.json.data.endpoint_ids).toEqual([b.id]);
    expect(receiver.of(one.json.data.message_id).map((h) => [h.path, h.body])).toEqual([['/b', originalBody]]);

    const unknown = await control('POST', '/messages/msg_nope/copy', {});
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'not_found']);
    const later = await createEndpoint(receiver.url('/later'));
    const notOriginal = await control('POST', `/messages/${original.message_id}/copy`, { endpoint_id: later.id });
    expect([notOriginal.status, notOriginal.json.error.code]).toEqual([404, 'not_found']);

    expect((await platform('PATCH', `/endpoints/${b.id}`, { disabled: true })).status).toBe(200);
    const skipped = await control('POST', `/messages/${original.message_id}/copy`, {});
    await em().settled();
    expect(skipped.json.data.endpoint_ids).toEqual([a.id]);
    expect(receiver.of(skipped.json.data.message_id).map((h) => h.path)).toEqual(['/a']);

    expect((await platform('DELETE', `/endpoints/${a.id}`)).status).toBeLessThan(300);
    const none = await control('POST', `/messages/${original.message_id}/copy`, {});
    await em().settled();
    expect(none.json.data.endpoint_ids).toEqual([]);
    expect(receiver.of(none.json.data.message_id)).toEqual([]);
    expect(receiver.hits.some((h) => h.path === '/later')).toBe(false);
  });

  it('GET /stream sends ready, endpoints changes and attempt events', async () => {
    await start();
    const stream = await openStream(em());
    try {
      const { status, headers } = stream.response;
      expect([status, headers.get('content-type')?.split(';')[0], headers.get('cache-control')]).toEqual([200, 'text/event-stream', 'no-store']);
      await until(() => stream.events.length > 0, 5000, 'ready');
      expect(stream.events[0]).toEqual({ event: 'ready', data: {} });

      const endpoint = await createEndpoint();
      await until(() => stream.events.some((e) => e.event === 'endpoints' && e.data.some((x: { id: string }) => x.id === endpoint.id)), 5000, 'endpoints event');
      const listed = stream.events.find((e) => e.event === 'endpoints')!.data;
      expect(listed).toMatchObject([{ id: endpoint.id, secret: endpoint.secret, previous_secrets: [] }]);

      const ok = await publish({ event_type: 'message.new', payload: { message_id: 'm1' } });
      const attemptEvents = (messageId: string) => stream.events.filter((e) => e.event === 'attempt' && e.data.message_id === messageId).map((e) => e.data);
      await until(() => attemptEvents(ok.message_id).some((d) => d.status === 'success'), 5000, 'success event');
      const [sending, ...rest] = attemptEvents(ok.message_id);
      expect(sending).toMatchObject({ status: 'sending', message_id: ok.message_id, endpoint_id: endpoint.id });
      expect(rest.find((d) => d.status === 'success')).toMatchObject({ id: sending.id, response_status_code: 200 });

      receiver.answer = (_, index) => (index === 1 ? { status: 500, body: 'down' } : { status: 200 });
      const retried = await publish({ event_type: 'message.new', payload: { message_id: 'm2' } });
      await until(() => attemptEvents(retried.message_id).some((d) => typeof d.next_attempt === 'string'), 5000, 'next_attempt event');
      const scheduled = attemptEvents(retried.message_id).find((d) => typeof d.next_attempt === 'string');
      expect(scheduled).toMatchObject({ status: 'failed', response_status_code: 500, attempt: 1 });
      await em().settled();
      await until(() => attemptEvents(retried.message_id).some((d) => d.status === 'success' && d.attempt === 2), 5000, 'retry success event');
    } finally {
      stream.abort();
      await stream.ended;
    }
  });

  it('emulator.close() ends an open stream', async () => {
    await start();
    const stream = await openStream(em());
    await until(() => stream.events.length > 0, 5000, 'ready');

    await em().close();
    emulator = undefined;

    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still open'), 3000)));
    const outcome = await Promise.race([stream.ended.then(() => 'ended'), hung]);
    clearTimeout(timer);
    stream.abort();
    expect(outcome).toBe('ended');
  });

  it('answers hostile ids in paths with 404 or 400, never 500', async () => {
    await start();
    const endpoint = await createEndpoint();
    const { message_id } = await publish({ event_type: 'message.new', payload: { message_id: 'm1' } });
    await em().settled();
    const ids = ['..%2F..', '..%2F..%2Fendpoints', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(5000), '%E0%A4%A', '%', '%00', '%2F'];
    for (const id of ids) {
      const attempt = await control('GET', `/attempts/${id}`);
      const copy = await control('POST', `/messages/${id}/copy`, {});
      expect([id.slice(0, 20), [400, 404].includes(attempt.status), [400, 404].includes(copy.status)]).toEqual([id.slice(0, 20), true, true]);
      expect([typeof attempt.json.error.code, typeof copy.json.error.code]).toEqual(['string', 'string']);
    }
    for (const endpointId of ['__proto__', 'constructor', 'toString']) {
      const copy = await control('POST', `/messages/${message_id}/copy`, { endpoint_id: endpointId });
      expect([endpointId, copy.status]).toEqual([endpointId, 404]);
    }
    // Still up and unharmed.
    expect((await control('GET', '')).status).toBe(200);
    expect((await control('GET', '/endpoints')).json.data).toMatchObject([{ id: endpoint.id }]);
    await em().settled();
    expect(receiver.hits).toHaveLength(1);
  });
});
