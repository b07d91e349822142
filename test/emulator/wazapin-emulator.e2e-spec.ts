import { Webhook } from 'svix';
import type { WazapinEndpoint } from '../../lib/index.js';
import { NativeWebhookVerifier } from '../../lib/signature/native-webhook-verifier.js';
import { decodeWebhookSecrets } from '../../lib/signature/webhook-secret.js';
import { WAZAPIN_RETRY_SCHEDULE_MS } from '../../lib/testing/emulator/wazapin-retry-schedule.js';
import { WazapinEmulator, type WazapinEmulatorOptions } from '../../lib/testing/index.js';
import { rawApi } from './raw-api.js';
import { type ReceivedRequest, RecordingReceiver } from './recording-receiver.js';

const SCALE = 0.00001;

/** Polls until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function header(request: ReceivedRequest, name: string): string {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
}

/** Verifies a received delivery with the package's verifier and with svix's, as a receiver would. */
function verifies(request: ReceivedRequest, secrets: string[], family: 'svix' | 'webhook' = 'svix'): boolean {
  const headers = {
    id: header(request, `${family}-id`),
    timestamp: header(request, `${family}-timestamp`),
    signature: header(request, `${family}-signature`),
  };
  const native = new NativeWebhookVerifier({ keys: decodeWebhookSecrets(secrets), toleranceSeconds: 300 }).verify(headers, Buffer.from(request.body)).ok;
  const svix = secrets.some((secret) => {
    try {
      new Webhook(secret).verify(request.body, { 'svix-id': headers.id, 'svix-timestamp': headers.timestamp, 'svix-signature': headers.signature });
      return true;
    } catch {
      return false;
    }
  });
  if (native !== svix) {
    throw new Error(`the package's verifier (${native}) and svix (${svix}) disagree`);
  }
  return native;
}

describe('WazapinEmulator', () => {
  let emulator: WazapinEmulator;
  let receiver: RecordingReceiver;

  async function start(options: WazapinEmulatorOptions = {}): Promise<void> {
    emulator = await WazapinEmulator.start({ retryScale: SCALE, ...options });
  }

  async function createEndpoint(body: Record<string, unknown> = {}): Promise<WazapinEndpoint & { secret: string }> {
    const response = await rawApi(emulator, 'POST', '/endpoints', { url: receiver.url(), ...body });
    expect(response.status).toBe(201);
    return (response.json as { data: WazapinEndpoint & { secret: string } }).data;
  }

  beforeEach(async () => {
    receiver = await RecordingReceiver.start();
  });

  afterEach(async () => {
    await emulator?.close();
    await receiver.close();
  });

  describe('deliveries', () => {
    it('POSTs the flat payload, signed so that the package and svix both verify it', async () => {
      await start();
      const endpoint = await createEndpoint();
      const payload = { message_id: 'm1', conversation_id: 'c1', direction: 'inbound', from_phone: '6281234567890' };

      const { messageId, endpointIds } = emulator.publish('message.new', payload);
      await emulator.settled();

      expect(endpointIds).toEqual([endpoint.id]);
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received;
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toBe('application/json');
      expect(header(request, 'svix-id')).toBe(messageId);
      expect(request.body).toBe(JSON.stringify(payload));
      expect(verifies(request, [endpoint.secret])).toBe(true);
      expect(emulator.deliveries()).toMatchObject([{ message_id: messageId, status: 'success', response_status_code: 200, attempt: 1, trigger: 'scheduled' }]);
    });

    it('can send envelopes, webhook-* headers and an event type header', async () => {
      await start({ body: 'envelope', headers: 'webhook', eventTypeHeader: 'X-Wazapin-Event' });
      const endpoint = await createEndpoint();

      emulator.publish('message.status_update', { message_id: 'm1', status: 'read' });
      emulator.publish('message.status_update', { message_id: 'm2', status: 'read' }, { body: 'flat' });
      await emulator.settled();

      const [envelope, flat] = receiver.received;
      expect(JSON.parse(envelope.body)).toEqual({
        event_id: expect.stringMatching(/^evt_/),
        event_type: 'message.status_update',
        data: { message_id: 'm1', status: 'read' },
      });
      expect(JSON.parse(flat.body)).toEqual({ message_id: 'm2', status: 'read' });
      expect(envelope.headers['svix-id']).toBeUndefined();
      expect(header(envelope, 'x-wazapin-event')).toBe('message.status_update');
      expect(verifies(envelope, [endpoint.secret], 'webhook')).toBe(true);
    });

    it('delivers only to enabled endpoints whose filter lets the type through', async () => {
      await start();
      const all = await createEndpoint();
      const messages = await createEndpoint({ event_types: ['message.new'] });
      const contacts = await createEndpoint({ event_types: ['contact.updated'] });
      const disabled = await createEndpoint({ disabled: true });

      const result = emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();

      expect(result.endpointIds.sort()).toEqual([all.id, messages.id].sort());
      expect(emulator.deliveries().map((d) => d.endpoint_id).sort()).toEqual([all.id, messages.id].sort());
      expect(emulator.deliveries({ endpoint_id: contacts.id })).toEqual([]);
      expect(emulator.deliveries({ endpoint_id: disabled.id })).toEqual([]);
      expect(emulator.publish('template.status_update', { template_id: 't' }).endpointIds).toEqual([all.id]);
    });

    it('retries a failure on the platform schedule, scaled, and records every attempt', async () => {
      await start();
      await createEndpoint();
      receiver.respond = () => 503;

      const { messageId } = emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();

      const attempts = emulator.deliveries().reverse();
      expect(attempts.map((a) => [a.attempt, a.status, a.response_status_code])).toEqual(
        WAZAPIN_RETRY_SCHEDULE_MS.map((_, i) => [i + 1, 'failed', 503]),
      );
      expect(attempts.every((a) => a.message_id === messageId && a.response === 'status 503')).toBe(true);
      expect(attempts.slice(0, -1).every((a) => typeof a.next_attempt === 'string')).toBe(true);
      expect(attempts.at(-1)?.next_attempt).toBeUndefined();
      expect(receiver.received.every((r) => header(r, 'svix-id') === messageId)).toBe(true);
      // Each wait is at least the scheduled delay, scaled (the clock has 1 ms steps).
      for (let i = 1; i < receiver.received.length; i++) {
        expect(receiver.received[i].at - receiver.received[i - 1].at).toBeGreaterThanOrEqual(Math.floor(WAZAPIN_RETRY_SCHEDULE_MS[i] * SCALE) - 1);
      }
    });

    it('stops retrying once the endpoint answers 2xx, and counts a redirect as a failure', async () => {
      await start();
      await createEndpoint();
      const answers = [302, 500, 204];
      receiver.respond = () => answers.shift() ?? 200;

      emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();

      expect(emulator.deliveries().reverse().map((a) => [a.status, a.response_status_code])).toEqual([
        ['failed', 302],
        ['failed', 500],
        ['success', 204],
      ]);
    });

    it('counts an answer slower than deliveryTimeoutMs as a failure', async () => {
      await start({ deliveryTimeoutMs: 100, retrySchedule: [0, 0] });
      await createEndpoint();
      receiver.answerAfterMs = 300;

      emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();

      expect(emulator.deliveries().map((a) => [a.status, a.response_status_code, a.response])).toEqual([
        ['failed', null, 'Could not deliver: timed out after 100 ms'],
        ['failed', null, 'Could not deliver: timed out after 100 ms'],
      ]);
    });

    it('signs each retry afresh: new timestamp and signature, same delivery id', async () => {
      await start({ retryScale: 1, retrySchedule: [0, 1100] });
      const endpoint = await createEndpoint();
      receiver.respond = () => (receiver.received.length === 1 ? 500 : 200);

      emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();

      const [first, second] = receiver.received;
      expect(header(second, 'svix-id')).toBe(header(first, 'svix-id'));
      expect(Number(header(second, 'svix-timestamp'))).toBeGreaterThan(Number(header(first, 'svix-timestamp')));
      expect(header(second, 'svix-signature')).not.toBe(header(first, 'svix-signature'));
      expect(verifies(second, [endpoint.secret])).toBe(true);
    });

    it('drops scheduled retries once the endpoint is disabled or deleted', async () => {
      await start({ retryScale: 1, retrySchedule: [0, 300, 300] });
      const disabled = await createEndpoint();
      receiver.respond = () => 500;
      emulator.publish('message.new', { message_id: 'm1' });
      await until(() => receiver.received.length === 1);
      await rawApi(emulator, 'PATCH', `/endpoints/${disabled.id}`, { disabled: true });
      await emulator.settled();
      expect(receiver.received).toHaveLength(1);

      const deleted = await createEndpoint();
      emulator.publish('message.new', { message_id: 'm2' });
      await until(() => receiver.received.length === 2);
      await rawApi(emulator, 'DELETE', `/endpoints/${deleted.id}`);
      await emulator.settled();
      expect(receiver.received).toHaveLength(2);
    });
  });

  describe('secret rotation', () => {
    it('signs with the old and the new secret during the grace period, then with the new one only', async () => {
      await start({ secretGracePeriodMs: 300 });
      const endpoint = await createEndpoint();

      const rotated = (await rawApi(emulator, 'POST', `/endpoints/${endpoint.id}/rotate-secret`)).json as { data: { secret: string } };
      emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();
      await new Promise((resolve) => setTimeout(resolve, 350));
      emulator.publish('message.new', { message_id: 'm2' });
      await emulator.settled();

      const [during, after] = receiver.received;
      expect(header(during, 'svix-signature').split(' ')).toHaveLength(2);
      expect(verifies(during, [endpoint.secret])).toBe(true);
      expect(verifies(during, [rotated.data.secret])).toBe(true);
      expect(header(after, 'svix-signature').split(' ')).toHaveLength(1);
      expect(verifies(after, [endpoint.secret])).toBe(false);
      expect(verifies(after, [rotated.data.secret])).toBe(true);
    });
  });

  describe('send-test and retry', () => {
    it('sends a sample of the requested type to one endpoint, whatever its filter', async () => {
      await start();
      const endpoint = await createEndpoint({ event_types: ['message.new'] });
      await createEndpoint();

      const response = await rawApi(emulator, 'POST', `/endpoints/${endpoint.id}/test`, { event_type: 'template.status_update' });
      await emulator.settled();

      expect(response.status).toBe(202);
      expect(receiver.received).toHaveLength(1);
      expect(JSON.parse(receiver.received[0].body)).toMatchObject({ template_name: expect.any(String), status: 'approved' });
      expect(emulator.deliveries()).toMatchObject([{ endpoint_id: endpoint.id, event_type: 'template.status_update' }]);
    });

    it('refuses a test to a disabled endpoint, and an unknown type', async () => {
      await start();
      const endpoint = await createEndpoint({ disabled: true });

      expect((await rawApi(emulator, 'POST', `/endpoints/${endpoint.id}/test`)).status).toBe(409);
      expect((await rawApi(emulator, 'POST', `/endpoints/${endpoint.id}/test`, { event_type: 'order.created' })).json).toEqual({
        error: { code: 'validation_error', message: 'The request is invalid', fields: { event_type: ['unknown event type "order.created"'] } },
      });
      expect(receiver.received).toEqual([]);
    });

    it('retries once by hand, to the endpoints that failed, with the same id and a fresh signature', async () => {
      await start({ retrySchedule: [0] });
      const failing = await createEndpoint();
      const healthy = await RecordingReceiver.start();
      try {
        await rawApi(emulator, 'POST', '/endpoints', { url: healthy.url() });
        receiver.respond = () => 500;
        const { messageId } = emulator.publish('message.new', { message_id: 'm1' });
        await emulator.settled();
        // Rotated in between: the retry must be signed now, so it carries both signatures.
        await rawApi(emulator, 'POST', `/endpoints/${failing.id}/rotate-secret`);

        const retry = await rawApi(emulator, 'POST', `/deliveries/${messageId}/retry`);
        await emulator.settled();

        expect(retry).toMatchObject({ status: 202, json: { data: { message_id: messageId, endpoint_ids: [failing.id] } } });
        expect(healthy.received).toHaveLength(1);
        const [original, again] = receiver.received;
        expect(header(again, 'svix-id')).toBe(header(original, 'svix-id'));
        expect(header(original, 'svix-signature').split(' ')).toHaveLength(1);
        expect(header(again, 'svix-signature').split(' ')).toHaveLength(2);
        // A failed manual retry is not put back on the schedule.
        expect(emulator.deliveries({ endpoint_id: failing.id }).map((d) => [d.trigger, d.status])).toEqual([
          ['manual', 'failed'],
          ['scheduled', 'failed'],
        ]);
      } finally {
        await healthy.close();
      }
    });
  });

  describe('fault injection', () => {
    it('fails the next N deliveries without sending them; the schedule retries them', async () => {
      await start();
      await createEndpoint();
      emulator.failNextDeliveries(2);

      emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();

      expect(receiver.received).toHaveLength(1);
      expect(emulator.deliveries().reverse().map((a) => [a.status, a.response_status_code])).toEqual([
        ['failed', null],
        ['failed', null],
        ['success', 200],
      ]);
    });

    it('delays the next N deliveries after signing, so they arrive with an older timestamp', async () => {
      await start();
      await createEndpoint();
      emulator.delayNextDeliveries(1, 1200);

      emulator.publish('message.new', { message_id: 'm1' });
      await emulator.settled();

      const [request] = receiver.received;
      expect(request.at - Number(header(request, 'svix-timestamp')) * 1000).toBeGreaterThanOrEqual(1200);
    });

    it.each([false, true])('duplicates the next N deliveries (concurrent: %s)', async (concurrent) => {
      await start();
      const endpoint = await createEndpoint();
      emulator.duplicateNextDeliveries(1, { concurrent });

      emulator.publish('message.new', { message_id: 'm1' });
      emulator.publish('message.new', { message_id: 'm2' });
      await emulator.settled();

      expect(receiver.received).toHaveLength(3);
      const [a, b] = receiver.received.filter((r) => JSON.parse(r.body).message_id === 'm1');
      expect(b.headers).toMatchObject({
        'svix-id': header(a, 'svix-id'),
        'svix-timestamp': header(a, 'svix-timestamp'),
        'svix-signature': header(a, 'svix-signature'),
      });
      expect(verifies(b, [endpoint.secret])).toBe(true);
      expect(emulator.deliveries()).toHaveLength(3);
    });
  });

  describe('API', () => {
    beforeEach(() => start());

    it('answers 401 without the key, in the error envelope', async () => {
      const response = await rawApi(emulator, 'GET', '', undefined, { authorization: 'Bearer nope' });

      expect(response).toMatchObject({ status: 401, json: { error: { code: 'unauthorized', message: 'Missing or invalid API key' } } });
      expect(emulator.requests[0]).toMatchObject({ authorized: false, status: 401 });
    });

    it('answers 404 for unknown routes and ids, 405 for a wrong method, 400 for bad JSON', async () => {
      expect((await rawApi(emulator, 'GET', '/nothing')).status).toBe(404);
      expect((await rawApi(emulator, 'PATCH', '/endpoints/ep_missing', {})).status).toBe(404);
      expect((await rawApi(emulator, 'GET', '/endpoints/ep_missing/rotate-secret')).status).toBe(405);
      const response = await fetch(`${emulator.webhooksUrl}/endpoints`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
        body: '{"url":',
      });
      expect(response.status).toBe(400);
    });

    it('answers 422 with a message per field', async () => {
      const response = await rawApi(emulator, 'POST', '/endpoints', { url: 'http://example.com/hook', event_types: 'message.new' });

      expect(response.status).toBe(422);
      const { fields } = (response.json as { error: { fields: Record<string, string[]> } }).error;
      expect(Object.keys(fields).sort()).toEqual(['event_types', 'url']);
    });

    it('pages deliveries with next_cursor and rejects a cursor it did not issue', async () => {
      await createEndpoint();
      for (let i = 0; i < 5; i++) {
        emulator.publish('message.new', { message_id: `m${i}` });
      }
      await emulator.settled();

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = (await rawApi(emulator, 'GET', `/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json as {
          data: { id: string }[];
          next_cursor: string | null;
        };
        seen.push(...page.data.map((d) => d.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor);

      expect(pages).toBe(3);
      expect(seen).toEqual(emulator.deliveries().map((d) => d.id));
      expect((await rawApi(emulator, 'GET', '/deliveries?cursor=bm9wZQ')).status).toBe(422);
    });

    it('injects request failures with Retry-After, and rate limits', async () => {
      await emulator.close();
      await start({ rateLimit: { limit: 1, windowMs: 60_000 } });
      emulator.failNextRequests(1, { status: 503, retryAfterSeconds: 7 });

      const failed = await rawApi(emulator, 'GET', '');
      const allowed = await rawApi(emulator, 'GET', '');
      const limited = await rawApi(emulator, 'GET', '');

      expect([failed.status, failed.headers.get('retry-after')]).toEqual([503, '7']);
      expect(allowed.status).toBe(200);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });

  describe('lifecycle', () => {
    it('settles at once with nothing to deliver, and times out while deliveries are pending', async () => {
      await start({ retryScale: 1 });
      await emulator.settled();
      await createEndpoint();
      receiver.respond = () => 500;

      emulator.publish('message.new', { message_id: 'm1' });

      await expect(emulator.settled(300)).rejects.toThrow(/1 delivery attempt\(s\) still pending after 300 ms/);
    });

    it('cancels scheduled retries on close', async () => {
      await start({ retryScale: 1, retrySchedule: [0, 200] });
      await createEndpoint();
      receiver.respond = () => 500;
      emulator.publish('message.new', { message_id: 'm1' });
      await until(() => receiver.received.length === 1);

      await emulator.close();
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(receiver.received).toHaveLength(1);
    });
  });
});
