import { createWazapinTestingModule, type WazapinTestingApp } from '../../../lib/testing/index.js';
import { MessagesHandler } from './messages.handler.js';

describe('MessagesHandler', () => {
  let wazapin: WazapinTestingApp;

  beforeEach(async () => {
    wazapin = await createWazapinTestingModule({ providers: [MessagesHandler] });
  });
  afterEach(() => wazapin.close());

  it('records who wrote in', async () => {
    const response = await wazapin.deliver('message.new', { from_phone: '6281234567890' });

    expect(response.status).toBe(200);
    expect(wazapin.get(MessagesHandler).senders).toEqual(['6281234567890']);
  });

  it('handles a retried delivery once', async () => {
    await wazapin.deliver('message.new', { from_phone: '6281234567890' }, { id: 'msg_1' });
    const retry = await wazapin.deliver('message.new', { from_phone: '6281234567890' }, { id: 'msg_1' });

    expect(retry.body).toEqual({ received: true, duplicate: true });
    expect(wazapin.get(MessagesHandler).senders).toHaveLength(1);
  });

  it('rejects a delivery signed with another secret', async () => {
    const forged = await wazapin.deliver('message.new', {}, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });

    expect(forged.status).toBe(401);
    expect(wazapin.get(MessagesHandler).senders).toEqual([]);
  });
});
