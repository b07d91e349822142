import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import {
  OnWazapinEvent,
  WazapinWebhookEvents,
  WazapinWebhooksModule,
  type WazapinEvent,
  type WazapinHandlerFailure,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, deferred, startTestApp, type AdapterName, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const inbound = (messageId: string) => ({
  message_id: messageId,
  conversation_id: 'conv_1',
  contact_id: 'contact_1',
  channel_id: 'wzp_abc123',
  direction: 'inbound',
  from_phone: '6281234567890',
  msg_type: 'text',
});
let sequence = 0;
const nextMessageId = () => `msg-${Date.now()}-${++sequence}`;

/** What the handlers of one app saw; `gate` holds `onNew` open, `failures` makes it throw. */
interface Calls {
  onNew: WazapinEvent<'message.new'>[];
  audit: WazapinEvent[];
  wildcard: WazapinEvent[];
  emittedFailures: WazapinHandlerFailure[];
  gate?: Promise<void>;
  failures: number;
}

async function boot(adapter: AdapterName, options: Partial<WazapinWebhooksModuleOptions> = {}, rawBody = true) {
  const calls: Calls = { onNew: [], audit: [], wildcard: [], emittedFailures: [], failures: 0 };

  @Injectable()
  class MessageHandlers {
    @OnWazapinEvent('message.new')
    async onNew(event: WazapinEvent<'message.new'>) {
      calls.onNew.push(event);
      await calls.gate;
      if (calls.failures > 0) {
        calls.failures--;
        throw new Error('handler failed on purpose');
      }
    }

    @OnWazapinEvent(['message.new', 'message.status_update'])
    audit(event: WazapinEvent) {
      calls.audit.push(event);
    }

    @OnWazapinEvent('*')
    everything(event: WazapinEvent) {
      calls.wildcard.push(event);
    }

    @OnEvent(WazapinWebhookEvents.HandlerFailed)
    onFailure(failure: WazapinHandlerFailure) {
      calls.emittedFailures.push(failure);
    }
  }

  const testApp = await startTestApp(
    adapter,
    {
      imports: [EventEmitterModule.forRoot(), WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline', ...options })],
      providers: [MessageHandlers],
    },
    { rawBody },
  );
  return { ...testApp, calls };
}

describe.each(ADAPTERS)('behaviour table on %s', (adapter) => {
  let t: TestApp & { calls: Calls };
  afterEach(async () => {
    await t?.close();
  });

  describe('inline dispatch', () => {
    beforeEach(async () => {
      t = await boot(adapter);
    });

    it('valid, new: 2xx and handlers run once', async () => {
      const messageId = nextMessageId();
      const response = await t.deliver({ secret, body: inbound(messageId) }, '/webhooks/wazapin/message.new');
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ received: true });
      expect(t.calls.onNew).toHaveLength(1);
      expect(t.calls.onNew[0].payload.message_id).toBe(messageId);
      expect(t.calls.audit).toHaveLength(1);
      expect(t.calls.wildcard).toHaveLength(1);
    });

    it('valid, duplicate delivery id that finished: 2xx and handlers do not run again', async () => {
      const signed = signWazapinDelivery({ secret, body: inbound(nextMessageId()) });
      expect((await t.post(signed.headers, signed.body)).status).toBe(200);
      const retry = signWazapinDelivery({ secret, body: signed.body, id: signed.id });
      const second = await t.post(retry.headers, retry.body);
      expect(second.status).toBe(200);
      expect(second.json).toEqual({ received: true, duplicate: true });
      expect(t.calls.onNew).toHaveLength(1);
    });

    it('valid, duplicate still being processed: 409 and handlers do not run again', async () => {
      const gate = deferred();
      t.calls.gate = gate.promise;
      const signed = signWazapinDelivery({ secret, body: inbound(nextMessageId()) });
      const first = t.post(signed.headers, signed.body);
      await waitUntil('the first copy to reach its handler', () => t.calls.onNew.length === 1);
      const concurrent = await t.post(signed.headers, signed.body);
      expect(concurrent.status).toBe(409);
      gate.resolve();
      expect((await first).status).toBe(200);
      expect(t.calls.onNew).toHaveLength(1);
    });

    it.each(['id', 'timestamp', 'signature'])('missing %s header: 400, handlers not run', async (name) => {
      const signed = signWazapinDelivery({ secret, body: inbound(nextMessageId()) });
      delete signed.headers[`svix-${name}`];
      const response = await t.post(signed.headers, signed.body);
      expect(response.status).toBe(400);
      expect(response.text).toContain(`webhook-${name}`);
      expect(t.calls.wildcard).toHaveLength(0);
    });

    it.each([
      ['a wrong secret', () => signWazapinDelivery({ secret: generateWazapinSecret(), body: inbound('m') })],
      [
        'a tampered body',
        () => {
          const signed = signWazapinDelivery({ secret, body: inbound('m') });
          return { ...signed, body: signed.body.replace('6281234567890', '6289999999999') };
        },
      ],
      [
        'a re-encoded body',
        () => {
          const signed = signWazapinDelivery({ secret, body: JSON.stringify(inbound('m'), null, 2) });
          return { ...signed, body: JSON.stringify(JSON.parse(signed.body)) };
        },
      ],
      [
        'a corrupted signature',
        () => {
          const signed = signWazapinDelivery({ secret, body: inbound('m') });
          const signature = signed.headers['svix-signature'];
          const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
          return { ...signed, headers: { ...signed.headers, 'svix-signature': flipped } };
        },
      ],
    ])('%s: 401, handlers not run, nothing echoed', async (_name, make) => {
      const signed = make();
      const response = await t.post(signed.headers, signed.body);
      expect(response.status).toBe(401);
      expect(response.text).not.toContain(signed.headers['svix-signature'].slice(3));
      expect(response.text).not.toContain(secret.slice(6));
      expect(response.text).not.toContain('6281234567890');
      expect(t.calls.wildcard).toHaveLength(0);
    });

    // 30 s beyond the 300 s tolerance: a second that ticks between signing and the guard's check
    // must not bring a "too new" timestamp back inside the window.
    it.each([
      ['too old', -330, /too old/],
      ['too new', 330, /future/],
    ])('timestamp %s: 401, handlers not run', async (_name, offset, message) => {
      const response = await t.deliver({ secret, body: inbound(nextMessageId()), timestamp: Math.floor(Date.now() / 1000) + offset });
      expect(response.status).toBe(401);
      expect(response.text).toMatch(message);
      expect(t.calls.wildcard).toHaveLength(0);
    });

    it('valid signature, body not JSON: 400, handlers not run', async () => {
      const response = await t.deliver({ secret, body: '{"message_id": "m1", oops' });
      expect(response.status).toBe(400);
      expect(t.calls.wildcard).toHaveLength(0);
    });

    it.each(['[1,2,3]', 'null', '1', '"a"'])('valid signature, body JSON but not an object (%s): 400 saying so, the same on both adapters, handlers not run', async (body) => {
      const response = await t.deliver({ secret, body });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ message: 'Webhook body is not a JSON object' });
      expect(t.calls.wildcard).toHaveLength(0);
    });

    it('valid, unknown event type: 2xx, only wildcard handlers run, and it is logged', async () => {
      const response = await t.deliver({ secret, body: { something: 'else' } });
      expect(response.status).toBe(200);
      expect(t.calls.wildcard).toHaveLength(1);
      expect(t.calls.wildcard[0].type).toBe('unknown');
      expect(t.calls.wildcard[0].typeSource).toBe('unresolved');
      expect(t.calls.onNew).toHaveLength(0);
      expect(t.calls.audit).toHaveLength(0);
      expect(t.logger.has('warn', /No @OnWazapinEvent handler for event type "unknown"/)).toBe(true);

      const named = await t.deliver({ secret, body: { channel_id: 'c1' } }, '/webhooks/wazapin/channel.disconnected');
      expect(named.status).toBe(200);
      expect(t.calls.wildcard.map((event) => event.type)).toEqual(['unknown', 'channel.disconnected']);
      expect(t.logger.has('warn', /"channel.disconnected"/)).toBe(true);
    });

    it('handler throws: 500, the claim is released so the retry runs, other handlers unaffected', async () => {
      t.calls.failures = 1;
      const signed = signWazapinDelivery({ secret, body: inbound(nextMessageId()) });
      const failed = await t.post(signed.headers, signed.body);
      expect(failed.status).toBe(500);
      expect(failed.text).not.toContain('handler failed on purpose');
      expect(t.calls.audit).toHaveLength(1);
      expect(t.calls.wildcard).toHaveLength(1);
      expect(t.calls.emittedFailures).toHaveLength(1);

      const retry = signWazapinDelivery({ secret, body: signed.body, id: signed.id });
      const retried = await t.post(retry.headers, retry.body);
      expect(retried.status).toBe(200);
      expect(retried.json).toEqual({ received: true });
      expect(t.calls.onNew).toHaveLength(2);
    });
  });

  it('body over the limit: 413, handlers not run', async () => {
    t = await boot(adapter, { maxBodyBytes: 512 });
    const response = await t.deliver({ secret, body: { ...inbound(nextMessageId()), padding: 'x'.repeat(600) } });
    expect(response.status).toBe(413);
    expect(t.calls.wildcard).toHaveLength(0);
  });

  it('rawBody not enabled in the app: 500 and a log line that says how to fix it', async () => {
    t = await boot(adapter, {}, false);
    const response = await t.deliver({ secret, body: inbound(nextMessageId()) });
    expect(response.status).toBe(500);
    expect(t.logger.has('error', /rawBody: true/)).toBe(true);
    expect(t.calls.wildcard).toHaveLength(0);
  });

  it('handler throws in background dispatch: 2xx already sent, error logged and emitted, others unaffected', async () => {
    t = await boot(adapter, { dispatch: 'background' });
    t.calls.failures = 1;
    const response = await t.deliver({ secret, body: inbound(nextMessageId()) });
    expect(response.status).toBe(200);
    await waitUntil('the failure to be emitted', () => t.calls.emittedFailures.length === 1);
    expect(t.calls.emittedFailures[0].handler).toBe('MessageHandlers.onNew');
    expect(t.calls.emittedFailures[0].event.type).toBe('message.new');
    expect(t.logger.has('error', /MessageHandlers\.onNew failed on message\.new/)).toBe(true);
    expect(t.calls.audit).toHaveLength(1);
    expect(t.calls.wildcard).toHaveLength(1);
  });

  it('background dispatch answers before a slow handler finishes', async () => {
    t = await boot(adapter, { dispatch: 'background' });
    const gate = deferred();
    t.calls.gate = gate.promise;
    const response = await t.deliver({ secret, body: inbound(nextMessageId()) });
    expect(response.status).toBe(200);
    expect(t.calls.onNew).toHaveLength(1);
    gate.resolve();
  });
});
