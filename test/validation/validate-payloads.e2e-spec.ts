import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import {
  OnWazapinEvent,
  WAZAPIN_EVENT_TYPES,
  WazapinWebhookEvents,
  WazapinWebhooksModule,
  type WazapinEvent,
  type WazapinPayloadInvalid,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload, signWazapinDelivery } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, startTestApp, type AdapterName, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const route = (type: string) => `/webhooks/wazapin/${type}`;

/** What the handlers saw: per type for typed handlers, and the wildcard's. */
interface Seen {
  typed: WazapinEvent[];
  wildcard: WazapinEvent[];
  reported: WazapinPayloadInvalid[];
}

function handlers(seen: Seen) {
  @Injectable()
  class Handlers {
    @OnWazapinEvent([...WAZAPIN_EVENT_TYPES])
    typed(event: WazapinEvent) {
      seen.typed.push(event);
    }

    @OnWazapinEvent('*')
    everything(event: WazapinEvent) {
      seen.wildcard.push(event);
    }

    @OnEvent(WazapinWebhookEvents.PayloadInvalid)
    onInvalid(report: WazapinPayloadInvalid) {
      seen.reported.push(report);
    }
  }
  return Handlers;
}

async function boot(adapter: AdapterName, options: Partial<WazapinWebhooksModuleOptions> = {}) {
  const seen: Seen = { typed: [], wildcard: [], reported: [] };
  const app = await startTestApp(adapter, {
    imports: [EventEmitterModule.forRoot(), WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline', validatePayloads: true, ...options })],
    providers: [handlers(seen)],
  });
  return { ...app, seen };
}

describe.each(ADAPTERS)('validatePayloads on %s', (adapter) => {
  let t: TestApp & { seen: Seen };
  afterEach(async () => {
    await t?.close();
  });

  it("passes each catalogued event's documented sample to its typed handlers, fields it does not know kept", async () => {
    t = await boot(adapter);
    for (const type of WAZAPIN_EVENT_TYPES) {
      const payload = { ...sampleWazapinPayload(type), added_later: { by: 'wazapin' } };
      const response = await t.deliver({ secret, body: payload }, route(type));
      expect([type, response.status, response.json]).toEqual([type, 200, { received: true }]);
    }
    expect(t.seen.typed.map((event) => event.type)).toEqual([...WAZAPIN_EVENT_TYPES]);
    expect(t.seen.typed.every((event) => event.invalid === undefined && (event.payload as { added_later?: unknown }).added_later)).toBe(true);
    expect(t.seen.reported).toEqual([]);
  });

  it('a message.new without message_id reaches no typed handler, is answered 2xx, and the wildcard handler gets event.invalid', async () => {
    t = await boot(adapter);
    const { message_id: _dropped, ...payload } = sampleWazapinPayload('message.new');
    const response = await t.deliver({ secret, body: payload }, route('message.new'));
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ received: true, invalid: true });
    expect(t.seen.typed).toEqual([]);
    expect(t.seen.wildcard).toHaveLength(1);
    const [event] = t.seen.wildcard;
    expect(event.type).toBe('message.new');
    expect(event.invalid).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'message_id', constraint: 'isString' })]));
    expect(event.invalid!.every((violation) => violation.field === 'message_id')).toBe(true);
    expect(t.seen.reported).toHaveLength(1);
    expect(t.seen.reported[0].event.id).toBe(event.id);
    expect(t.seen.reported[0].violations).toEqual(event.invalid);
  });

  it('a number where a string belongs fails; a retry of it is a duplicate, not reported again; each failing field is logged once per type', async () => {
    t = await boot(adapter);
    const body = { ...sampleWazapinPayload('message.status_update'), conversation_id: 42 };
    const signed = signWazapinDelivery({ secret, body });
    expect((await t.post(signed.headers, signed.body, route('message.status_update'))).json).toEqual({ received: true, invalid: true });
    const retry = signWazapinDelivery({ secret, body: signed.body, id: signed.id });
    expect((await t.post(retry.headers, retry.body, route('message.status_update'))).json).toEqual({ received: true, duplicate: true });
    const another = { ...sampleWazapinPayload('message.status_update'), conversation_id: 7 };
    expect((await t.deliver({ secret, body: another }, route('message.status_update'))).status).toBe(200);

    expect(t.seen.typed).toEqual([]);
    expect(t.seen.wildcard.map((event) => event.invalid?.map((violation) => violation.field))).toEqual([['conversation_id'], ['conversation_id']]);
    expect(t.seen.reported).toHaveLength(2);
    const said = t.logger.lines.filter((line) => line.level === 'warn' && /message\.status_update payload failed validation/.test(line.message));
    expect(said).toHaveLength(1);
    expect(said[0].message).toMatch(/conversation_id/);
    expect(said[0].message).not.toMatch(/\b42\b/);
  });

  it('an invalid copy claims its delivery id only: the valid copy of that message and status, under another id, is handled', async () => {
    t = await boot(adapter);
    const valid = sampleWazapinPayload('message.status_update', { status: 'read' });
    expect((await t.deliver({ secret, body: { ...valid, organization_id: 123 } }, route('message.status_update'))).json).toEqual({
      received: true,
      invalid: true,
    });
    expect((await t.deliver({ secret, body: valid }, route('message.status_update'))).json).toEqual({ received: true });
    expect(t.seen.typed.map((event) => event.payload)).toEqual([valid]);
  });

  it('off by default: the same payload reaches the typed handlers', async () => {
    t = await boot(adapter, { validatePayloads: false });
    const { message_id: _dropped, ...payload } = sampleWazapinPayload('message.new');
    expect((await t.deliver({ secret, body: payload }, route('message.new'))).json).toEqual({ received: true });
    expect(t.seen.typed).toHaveLength(1);
    expect(t.seen.typed[0].invalid).toBeUndefined();
  });

  it('an uncatalogued type is not validated', async () => {
    t = await boot(adapter, { knownEventTypes: ['order.created'] });
    expect((await t.deliver({ secret, body: { order_id: 5 } }, route('order.created'))).json).toEqual({ received: true });
    expect(t.seen.wildcard).toHaveLength(1);
    expect(t.seen.wildcard[0].invalid).toBeUndefined();
  });
});

describeIf(redisMissing)("validatePayloads with dispatch: 'queue'", () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let t: (TestApp & { seen: Seen }) | undefined;

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterEach(async () => {
    await t?.close();
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    await redis.close();
  });

  it('the worker runs only the wildcard handlers of an invalid delivery, with event.invalid from the job', async () => {
    prefix = uniquePrefix('validate');
    t = await boot('express', { dispatch: 'queue', queue: { connection: redis.url, prefix } });
    const invalid = { ...sampleWazapinPayload('message.sent'), message_id: 12 };
    expect((await t.deliver({ secret, body: invalid }, route('message.sent'))).json).toEqual({ received: true, invalid: true });
    expect((await t.deliver({ secret, body: sampleWazapinPayload('message.sent') }, route('message.sent'))).json).toEqual({ received: true });
    await waitUntil('both jobs to run', () => t!.seen.wildcard.length === 2);
    expect(t.seen.typed).toHaveLength(1);
    expect(t.seen.typed[0].invalid).toBeUndefined();
    const flagged = t.seen.wildcard.find((event) => event.invalid !== undefined);
    expect(flagged?.invalid?.map((violation) => violation.field)).toEqual(['message_id']);
  });
});
