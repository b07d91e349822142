import { WazapinApiError, WazapinValidationError, type WazapinDelivery } from '../../lib/index.js';
import { RecordingReceiver } from '../emulator/recording-receiver.js';
import { type ApiTestKit, rejection, startApiTestKit } from './api-test-kit.js';

const WEBHOOKS = '/v1/settings/developer/webhooks';

describe('WazapinWebhooksApiService against the emulator', () => {
  let kit: ApiTestKit;
  let receiver: RecordingReceiver;

  beforeEach(async () => {
    kit = await startApiTestKit();
    receiver = await RecordingReceiver.start();
  });

  afterEach(async () => {
    await kit.close();
    await receiver.close();
  });

  describe('endpoints', () => {
    it('creates an endpoint with its secret, sending the Bearer key, and keeps fields it does not model', async () => {
      const endpoint = await kit.api.createEndpoint({
        url: 'https://api.example.com/webhooks/wazapin',
        event_types: ['message.new', 'message.status_update'],
        description: 'orders service',
        metadata: { team: 'orders' },
      });

      expect(endpoint).toMatchObject({
        url: 'https://api.example.com/webhooks/wazapin',
        event_types: ['message.new', 'message.status_update'],
        description: 'orders service',
        metadata: { team: 'orders' },
        disabled: false,
      });
      expect(endpoint.id).toMatch(/^ep_/);
      expect(endpoint.secret).toMatch(/^whsec_/);
      // `version` is a Svix field the package has no type for: it must survive.
      expect(endpoint.version).toBe(1);
      const [request] = kit.emulator.requests;
      expect(request).toMatchObject({ method: 'POST', url: `${WEBHOOKS}/endpoints`, authorized: true, status: 201 });
      expect(request.body).toEqual({
        url: 'https://api.example.com/webhooks/wazapin',
        event_types: ['message.new', 'message.status_update'],
        description: 'orders service',
        metadata: { team: 'orders' },
      });
    });

    it('lists endpoints in the settings, without their secrets', async () => {
      const first = await kit.api.createEndpoint({ url: 'https://a.example.com/hook' });
      const second = await kit.api.createEndpoint({ url: 'https://b.example.com/hook', event_types: ['contact.updated'] });

      const settings = await kit.api.getSettings();

      expect(settings.endpoints.map((endpoint) => endpoint.id)).toEqual([first.id, second.id]);
      expect(settings.endpoints.every((endpoint) => endpoint.secret === undefined)).toBe(true);
      expect(settings.event_types).toContain('message.new');
    });

    it('updates only the fields given', async () => {
      const endpoint = await kit.api.createEndpoint({ url: 'https://a.example.com/hook', description: 'kept' });

      const updated = await kit.api.updateEndpoint(endpoint.id, { event_types: ['message.sent'], disabled: true });

      expect(updated).toMatchObject({ id: endpoint.id, description: 'kept', event_types: ['message.sent'], disabled: true });
      expect(kit.emulator.requests.at(-1)).toMatchObject({ method: 'PATCH', body: { event_types: ['message.sent'], disabled: true } });
    });

    it('deletes an endpoint; deleting it again is a 404', async () => {
      const endpoint = await kit.api.createEndpoint({ url: 'https://a.example.com/hook' });

      await kit.api.deleteEndpoint(endpoint.id);

      expect((await kit.api.getSettings()).endpoints).toEqual([]);
      const error = await rejection(kit.api.deleteEndpoint(endpoint.id));
      expect(error).toBeInstanceOf(WazapinApiError);
      expect(error).toMatchObject({ status: 404, code: 'not_found', method: 'DELETE', attempts: 1 });
    });

    it('rotates a secret: a new one is returned and the old one stays in its grace period', async () => {
      const endpoint = await kit.api.createEndpoint({ url: 'https://a.example.com/hook' });

      const rotated = await kit.api.rotateSecret(endpoint.id);

      expect(rotated.id).toBe(endpoint.id);
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(endpoint.secret);
      expect(kit.emulator.endpoints()[0].previous_secrets).toEqual([endpoint.secret]);
    });

    it('answers 404 for an unknown id, with the id encoded into the path', async () => {
      const error = await rejection(kit.api.updateEndpoint('urn:ep:missing', { description: 'x' }));

      expect(error).toBeInstanceOf(WazapinApiError);
      expect(error).toMatchObject({
        status: 404,
        code: 'not_found',
        apiMessage: 'Endpoint not found',
        method: 'PATCH',
        path: `${WEBHOOKS}/endpoints/urn%3Aep%3Amissing`,
      });
      for (const call of [
        kit.api.rotateSecret('missing'),
        kit.api.sendTestDelivery('missing'),
        kit.api.deleteEndpoint('missing'),
        kit.api.retryDelivery('msg_missing'),
      ]) {
        expect(await rejection(call)).toMatchObject({ status: 404 });
      }
    });
  });

  describe('deliveries', () => {
    it('sends a test delivery of the requested type to the endpoint', async () => {
      const endpoint = await kit.api.createEndpoint({ url: receiver.url(), event_types: ['message.new'] });

      const test = await kit.api.sendTestDelivery(endpoint.id, { event_type: 'message.status_update' });
      await kit.emulator.settled();

      expect(test).toMatchObject({ event_type: 'message.status_update', endpoint_id: endpoint.id });
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0].headers['svix-id']).toBe(test.message_id);
      expect(JSON.parse(receiver.received[0].body)).toMatchObject({ status: 'delivered' });
    });

    it('lists one page with a cursor, then walks every page with iterateDeliveries', async () => {
      const endpoint = await kit.api.createEndpoint({ url: receiver.url() });
      const published = Array.from({ length: 7 }, (_, i) => kit.emulator.publish('message.new', { message_id: `m${i}` }).messageId);
      await kit.emulator.settled();

      const page = await kit.api.listDeliveries({ limit: 3, endpoint_id: endpoint.id });
      expect(page.data).toHaveLength(3);
      expect(page.next_cursor).toEqual(expect.any(String));

      const before = kit.emulator.requests.length;
      const all: WazapinDelivery[] = [];
      for await (const delivery of kit.api.iterateDeliveries({ limit: 3, endpoint_id: endpoint.id })) {
        all.push(delivery);
      }

      expect(kit.emulator.requests.length - before).toBe(3);
      expect(all.map((delivery) => delivery.message_id).sort()).toEqual([...published].sort());
      expect(new Set(all.map((delivery) => delivery.id)).size).toBe(7);
      expect(all.every((delivery) => delivery.status === 'success' && delivery.response_status_code === 200)).toBe(true);
    });

    it('filters deliveries by status and time', async () => {
      await kit.api.createEndpoint({ url: receiver.url() });
      receiver.respond = (request) => (JSON.parse(request.body).fail ? 500 : 200);
      kit.emulator.publish('message.new', { message_id: 'ok' });
      const failing = kit.emulator.publish('message.new', { message_id: 'bad', fail: true });
      await kit.emulator.settled();

      const failed = await kit.api.listDeliveries({ status: 'failed' });
      const future = await kit.api.listDeliveries({ since: new Date(Date.now() + 60_000) });

      expect(failed.data.length).toBeGreaterThan(0);
      expect(failed.data.every((delivery) => delivery.message_id === failing.messageId)).toBe(true);
      expect(future.data).toEqual([]);
    });

    it('retries a failed delivery with the same delivery id', async () => {
      const endpoint = await kit.api.createEndpoint({ url: receiver.url() });
      receiver.respond = () => 500;
      const { messageId } = kit.emulator.publish('message.new', { message_id: 'm1' });
      await kit.emulator.settled();
      receiver.respond = () => 200;

      const retry = await kit.api.retryDelivery(messageId);
      await kit.emulator.settled();

      expect(retry).toMatchObject({ message_id: messageId, endpoint_ids: [endpoint.id] });
      const latest = (await kit.api.listDeliveries({ endpoint_id: endpoint.id })).data[0];
      expect(latest).toMatchObject({ message_id: messageId, status: 'success', trigger: 'manual' });
      expect(receiver.received.at(-1)?.headers['svix-id']).toBe(messageId);
    });
  });

  describe('pagination shapes', () => {
    it.each(['iterator', 'nested'] as const)('walks every page when the API pages with %s', async (pagination) => {
      await kit.close();
      kit = await startApiTestKit({ pagination, defaultPageSize: 2 });
      await kit.api.createEndpoint({ url: receiver.url() });
      for (let i = 0; i < 5; i++) {
        kit.emulator.publish('message.new', { message_id: `m${i}` });
      }
      await kit.emulator.settled();

      const ids: string[] = [];
      for await (const delivery of kit.api.iterateDeliveries()) {
        ids.push(delivery.id);
      }

      expect(new Set(ids).size).toBe(5);
      expect(kit.emulator.requests.filter((request) => request.url.startsWith(`${WEBHOOKS}/deliveries`))).toHaveLength(3);
    });
  });

  describe('validation', () => {
    it('rejects invalid input with every field named, and sends nothing', async () => {
      const error = await rejection(
        kit.api.createEndpoint({
          url: 'http://api.example.com/hook',
          event_types: ['message new', 'message.new', 'message.new'],
          disabled: 'yes',
          eventTypes: ['message.new'],
        } as never),
      );

      expect(error).toBeInstanceOf(WazapinValidationError);
      const { fields } = error as WazapinValidationError;
      expect(Object.keys(fields).sort()).toEqual(['disabled', 'eventTypes', 'event_types', 'url']);
      expect(fields.url.join()).toMatch(/https/);
      expect(fields.eventTypes).toEqual(['eventTypes is not a known field']);
      expect(kit.emulator.requests).toHaveLength(0);
    });

    it('allows http only for localhost', async () => {
      await expect(kit.api.createEndpoint({ url: 'http://localhost:3000/hook' })).resolves.toMatchObject({ url: 'http://localhost:3000/hook' });
      await expect(kit.api.createEndpoint({ url: 'https://user:pw@example.com/hook' })).rejects.toBeInstanceOf(WazapinValidationError);
      await expect(kit.api.createEndpoint({ url: 'ftp://example.com/hook' })).rejects.toBeInstanceOf(WazapinValidationError);
    });

    it('checks ids, test types and list queries before sending', async () => {
      const invalid = [
        kit.api.updateEndpoint('', { description: 'x' }),
        kit.api.deleteEndpoint(undefined as never),
        kit.api.sendTestDelivery('ep_1', { event_type: 'not a type' }),
        kit.api.listDeliveries({ limit: 0 }),
        kit.api.listDeliveries({ status: 'lost' as never }),
        kit.api.listDeliveries({ since: new Date(Number.NaN) }),
        kit.api.retryDelivery('msg_1', { endpoint_id: 42 } as never),
        kit.api.syncEndpoint({ url: 'not a url', eventTypes: [] }),
      ];
      for (const call of invalid) {
        expect(await rejection(call)).toBeInstanceOf(WazapinValidationError);
      }
      expect(kit.emulator.requests).toHaveLength(0);
    });

    it('surfaces the API 422 with its field messages', async () => {
      // A well-formed type the organization's catalog lacks: only the API can know.
      const error = await rejection(kit.api.createEndpoint({ url: 'https://a.example.com/hook', event_types: ['order.created'] }));

      expect(error).toBeInstanceOf(WazapinApiError);
      expect(error).toMatchObject({
        status: 422,
        code: 'validation_error',
        fields: { event_types: ['unknown event type "order.created"'] },
        attempts: 1,
      });
    });
  });
});
