import { Injectable } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { OnWazapinEvent, WazapinWebhooksModule, type WazapinEvent, type WazapinWebhooksModuleOptions } from '../../lib/index.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

// Found by an outside attack: with two handlers of status updates, one failing on `read` kept
// `read` from being recorded, so the other, which had handled `read`, was then given a late
// `sent` as fresh. The rank is recorded once some handler saw the update; the failed handler
// still gets it on the retry.

const secret = generateWazapinSecret();
const ROUTE = '/webhooks/wazapin/message.status_update';

interface Seen {
  ticket: string[];
  audit: string[];
  /** The status audit fails on, and how many more times. */
  failAuditOn: string;
  auditFailures: number;
}

function handlers(seen: Seen) {
  @Injectable()
  class StatusHandlers {
    @OnWazapinEvent('message.status_update')
    ticket(event: WazapinEvent<'message.status_update'>) {
      seen.ticket.push(event.payload.status);
    }

    @OnWazapinEvent('message.status_update')
    audit(event: WazapinEvent<'message.status_update'>) {
      if (event.payload.status === seen.failAuditOn && seen.auditFailures > 0) {
        seen.auditFailures--;
        throw new Error('audit failed on purpose');
      }
      seen.audit.push(event.payload.status);
    }
  }
  return StatusHandlers;
}

async function boot(options: Partial<WazapinWebhooksModuleOptions>): Promise<TestApp & { seen: Seen }> {
  const seen: Seen = { ticket: [], audit: [], failAuditOn: 'read', auditFailures: 1 };
  const app = await startTestApp('express', {
    imports: [EventEmitterModule.forRoot(), WazapinWebhooksModule.forRoot({ secrets: secret, statusOrder: 'drop', ...options })],
    providers: [handlers(seen)],
  });
  return { ...app, seen };
}

const body = (messageId: string, status: string) => ({ message_id: messageId, conversation_id: 'conv-1', status });
let sequence = 0;
const messageId = () => `wamid.partial.${++sequence}.${Date.now()}`;

describe('a status update some of whose handlers failed', () => {
  let t: (TestApp & { seen: Seen }) | undefined;
  afterEach(async () => {
    await t?.close();
  });

  it("inline: its rank is recorded, so the handler that succeeded never sees a lower status; the platform's retry runs the failed one, fresh", async () => {
    t = await boot({ dispatch: 'inline' });
    const id = messageId();
    const read = signWazapinDelivery({ secret, body: body(id, 'read') });
    expect((await t.post(read.headers, read.body, ROUTE)).status).toBe(500);
    expect((await t.deliver({ secret, body: body(id, 'sent') }, ROUTE)).json).toEqual({ received: true, stale: true });
    const retry = signWazapinDelivery({ secret, body: read.body, id: read.id });
    expect((await t.post(retry.headers, retry.body, ROUTE)).json).toEqual({ received: true });
    expect((await t.deliver({ secret, body: body(id, 'delivered') }, ROUTE)).json).toEqual({ received: true, stale: true });
    expect(t.seen).toMatchObject({ ticket: ['read'], audit: ['read'], auditFailures: 0 });
  });

  it('inline: a retry after a higher status was handled meanwhile is stale, for the failed handler too', async () => {
    t = await boot({ dispatch: 'inline' });
    const id = messageId();
    t.seen.failAuditOn = 'delivered';
    const delivered = signWazapinDelivery({ secret, body: body(id, 'delivered') });
    expect((await t.post(delivered.headers, delivered.body, ROUTE)).status).toBe(500);
    expect((await t.deliver({ secret, body: body(id, 'read') }, ROUTE)).json).toEqual({ received: true });
    const retry = signWazapinDelivery({ secret, body: delivered.body, id: delivered.id });
    expect((await t.post(retry.headers, retry.body, ROUTE)).json).toEqual({ received: true, stale: true });
    expect(t.seen).toMatchObject({ ticket: ['delivered', 'read'], audit: ['read'] });
  });

  it('background: its rank is recorded once any handler saw it', async () => {
    t = await boot({ dispatch: 'background' });
    const id = messageId();
    expect((await t.deliver({ secret, body: body(id, 'read') }, ROUTE)).json).toEqual({ received: true });
    await waitUntil('the read handlers to settle', () => t!.seen.ticket.length === 1 && t!.seen.auditFailures === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await t.deliver({ secret, body: body(id, 'sent') }, ROUTE)).json).toEqual({ received: true, stale: true });
    expect((await t.deliver({ secret, body: body(id, 'delivered') }, ROUTE)).json).toEqual({ received: true, stale: true });
    expect(t.seen.ticket).toEqual(['read']);
  });
});

describeIf(redisMissing)("a queued status update some of whose handlers failed (dispatch: 'queue')", () => {
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
  afterAll(() => redis.close());

  it("the job's retry runs the failed handler, fresh, and a late status is stale for both", async () => {
    prefix = uniquePrefix('status-partial');
    t = await boot({ dispatch: 'queue', queue: { connection: redis.url, prefix, backoff: { type: 'fixed', delay: 200 } } });
    const id = messageId();
    expect((await t.deliver({ secret, body: body(id, 'read') }, ROUTE)).json).toEqual({ received: true });
    await waitUntil('the retry to run the failed handler', () => t!.seen.audit.length === 1);
    expect((await t.deliver({ secret, body: body(id, 'sent') }, ROUTE)).json).toEqual({ received: true, stale: true });
    expect(t.seen).toMatchObject({ ticket: ['read'], audit: ['read'], auditFailures: 0 });
  });
});
