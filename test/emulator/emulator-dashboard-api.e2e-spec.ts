import { createHmac } from 'node:crypto';
import { WazapinEmulator } from '../../lib/testing/index.js';
import { rawApi } from './raw-api.js';
import { RecordingReceiver } from './recording-receiver.js';

/** What the dashboard's routes under /v1/emulator answer, over real HTTP. */
describe('WazapinEmulator control API (/v1/emulator)', () => {
  let emulator: WazapinEmulator;
  let receiver: RecordingReceiver;

  async function control(method: string, path: string, body?: unknown, key = emulator.apiKey): Promise<{ status: number; json: any }> {
    const response = await fetch(`${emulator.baseUrl}/v1/emulator${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  async function endpoint(): Promise<{ id: string; secret: string }> {
    const created = await rawApi(emulator, 'POST', '/endpoints', { url: receiver.url() });
    return (created.json as { data: { id: string; secret: string } }).data;
  }

  beforeEach(async () => {
    emulator = await WazapinEmulator.start({ retryScale: 0.0001 });
    receiver = await RecordingReceiver.start();
  });

  afterEach(async () => {
    await emulator.close();
    await receiver.close();
  });

  it('needs the API key, and is neither recorded nor hit by injected API faults', async () => {
    expect((await control('GET', '', undefined, 'wrong')).status).toBe(401);
    emulator.failNextRequests(1);
    const described = await control('GET', '');
    expect(described.status).toBe(200);
    expect(described.json.data.event_types.find((t: { type: string }) => t.type === 'message.new').sample.message_id).toEqual(expect.any(String));
    expect(described.json.data.dashboard_url).toBe(emulator.dashboardUrl);
    expect(emulator.requests).toHaveLength(0);
    expect((await rawApi(emulator, 'GET', '')).status).toBe(503);
  });

  it('publishes with a fault on the first attempt only, then the retry is delivered', async () => {
    await endpoint();
    const bad = await control('POST', '/publish', { event_type: 'nope', payload: [], fault: 'boom' });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(['event_type', 'fault', 'payload']);
    for (const [fault, sent, status] of [['timeout', 2, null], ['http-500', 1, 500], ['drop', 1, null]] as const) {
      receiver.received.length = 0;
      const published = await control('POST', '/publish', { event_type: 'contact.updated', payload: { contact_id: fault }, fault });
      expect(published.status).toBe(202);
      await emulator.settled();
      const attempts = emulator.deliveries({ message_id: published.json.data.message_id }).reverse();
      expect(attempts.map((a) => [a.status, a.response_status_code])).toEqual([['failed', status], ['success', 200]]);
      expect(receiver.received).toHaveLength(sent);
      const first = await control('GET', `/attempts/${attempts[0].id}`);
      expect(first.json.data.fault).toBe(fault);
      expect(first.json.data.request === null).toBe(sent === 1);
    }
  });

  it('shows the exact request of an attempt and decodes its signature entries', async () => {
    const { id, secret } = await endpoint();
    await rawApi(emulator, 'POST', `/endpoints/${id}/rotate-secret`);
    const current = emulator.endpoints()[0].secret;
    const { messageId } = emulator.publish('contact.updated', { contact_id: 'c1' });
    await emulator.settled();
    const [attempt] = emulator.deliveries({ message_id: messageId });
    const { json } = await control('GET', `/attempts/${attempt.id}`);
    const received = receiver.received[0];
    expect(json.data.request.body).toBe(received.body);
    for (const name of ['svix-id', 'svix-timestamp', 'svix-signature', 'content-type', 'content-length']) {
      expect(json.data.request.headers[name]).toBe(received.headers[name]);
    }
    const signature = json.data.signature;
    expect(signature.entries.map((e: { secret: string; secret_suffix: string }) => [e.secret, e.secret_suffix])).toEqual([
      ['current', current.slice(-4)],
      ['previous', secret.slice(-4)],
    ]);
    [current, secret].forEach((key, index) => {
      const expected = createHmac('sha256', Buffer.from(key.slice('whsec_'.length), 'base64'))
        .update(`${signature.id}.${signature.timestamp}.${received.body}`)
        .digest('base64');
      expect(signature.entries[index].signature).toBe(expected);
    });
    expect(json.data.response).toMatchObject({ status: 200, body: 'ok', headers: { 'content-type': 'text/plain' } });
    for (const hostile of ['__proto__', 'constructor', '..%2F..', 'x'.repeat(5000)]) {
      expect((await control('GET', `/attempts/${hostile}`)).status).toBe(404);
    }
    expect((await control('GET', '/attempts/%E0%A4%A')).status).toBe(400);
  });

  it('sends a delivery again as a new one with the same body', async () => {
    await endpoint();
    const { messageId } = emulator.publish('contact.updated', { contact_id: 'c2' });
    await emulator.settled();
    const copy = await control('POST', `/messages/${messageId}/copy`, {});
    expect(copy.status).toBe(202);
    await emulator.settled();
    expect(copy.json.data.message_id).not.toBe(messageId);
    expect(receiver.received.map((r) => r.headers['svix-id'])).toEqual([messageId, copy.json.data.message_id]);
    expect(receiver.received[1].body).toBe(receiver.received[0].body);
    expect((await control('POST', '/messages/msg_nope/copy', {})).status).toBe(404);
  });

  it('streams attempts and endpoint changes as server-sent events, and ends the stream on close', async () => {
    const abort = new AbortController();
    const response = await fetch(`${emulator.baseUrl}/v1/emulator/stream`, { headers: { authorization: `Bearer ${emulator.apiKey}` }, signal: abort.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await until(/event: ready/);
    await endpoint();
    await until(/event: endpoints\ndata: \[\{/);
    receiver.respond = () => (receiver.received.length === 1 ? 500 : 200);
    emulator.publish('contact.updated', { contact_id: 'c3' });
    await until(/"next_attempt"/);
    await until(/"status":"success"/);
    await emulator.close();
    await until(/$^/).catch((error: Error) => expect(error.message).toMatch(/stream ended/));
  });
});
