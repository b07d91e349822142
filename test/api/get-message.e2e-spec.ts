import { WazapinApiError, WazapinValidationError, WazapinWebhooksApiService } from '../../lib/index.js';
import { sampleWazapinPayload, WazapinEmulator } from '../../lib/testing/index.js';

/** The content of a message an event names, read over HTTP from the emulator, which serves what it published. */
describe('WazapinWebhooksApiService.getMessage, against the emulator', () => {
  let emulator: WazapinEmulator;
  let api: WazapinWebhooksApiService;

  beforeEach(async () => {
    emulator = await WazapinEmulator.start();
    api = new WazapinWebhooksApiService({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, retryDelayMs: 5, maxRetryDelayMs: 2000 });
  });
  afterEach(() => emulator.close());

  it("returns the message a message.new named, its documented fields typed and the API's others kept", async () => {
    const payload = sampleWazapinPayload('message.new');
    emulator.publish('message.new', payload, { message: { text: 'Halo, pesanan saya?', wa_context: { forwarded: false } } });

    const message = await api.getMessage(payload.message_id);

    expect(message).toEqual({
      id: payload.message_id,
      conversation_id: payload.conversation_id,
      direction: 'inbound',
      msg_type: 'text',
      text: 'Halo, pesanan saya?',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      wa_context: { forwarded: false },
    });
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'GET', url: `/v1/messages/${payload.message_id}`, authorized: true, status: 200 });
  });

  it('serves a message.sent too, outbound, with its media', async () => {
    const payload = sampleWazapinPayload('message.sent', { msg_type: 'image' });
    emulator.publish('message.sent', payload, { message: { media: { url: 'https://cdn.example.com/a.jpg', mime_type: 'image/jpeg' }, text: null } });

    expect(await api.getMessage(payload.message_id)).toMatchObject({
      direction: 'outbound',
      msg_type: 'image',
      text: null,
      media: { url: 'https://cdn.example.com/a.jpg', mime_type: 'image/jpeg' },
    });
  });

  it('answers a message the API does not know with a WazapinApiError of status 404, not retried', async () => {
    emulator.publish('message.status_update', sampleWazapinPayload('message.status_update', { message_id: 'only-a-status' }));

    for (const unknown of ['9f1fd66d-c37a-4b50-a8c2-b4dca523f9c8', 'only-a-status']) {
      const error = await api.getMessage(unknown).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(WazapinApiError);
      expect(error).toMatchObject({ status: 404, code: 'not_found', method: 'GET', attempts: 1 });
    }
  });

  it("retries a 429 after its Retry-After, and fails with the 429 when the wait is longer than it may wait", async () => {
    const payload = sampleWazapinPayload('message.new');
    emulator.publish('message.new', payload, { message: { text: 'hi' } });

    emulator.failNextRequests(1, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    expect((await api.getMessage(payload.message_id)).text).toBe('hi');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    emulator.failNextRequests(1, { status: 429, retryAfterSeconds: 120 });
    const error = await api.getMessage(payload.message_id).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(WazapinApiError);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 120, attempts: 1 });
  });

  it('refuses an id that is not a plain token before sending anything', async () => {
    const sent = emulator.requests.length;
    for (const id of ['', '..', 'a/b', 'a b', 'x'.repeat(256), 42 as unknown as string]) {
      await expect(api.getMessage(id)).rejects.toBeInstanceOf(WazapinValidationError);
    }
    expect(emulator.requests.length).toBe(sent);
  });
});
