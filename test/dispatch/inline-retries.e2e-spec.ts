import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, RedisIdempotencyStore, WazapinWebhooksModule, type IdempotencyStore, type WazapinEvent } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const ROUTE = '/webhooks/wazapin/message.new';
const runs = { audit: [] as string[], flaky: [] as string[], failuresLeft: 0 };

@Injectable()
class Handlers {
  @OnWazapinEvent('*')
  audit(event: WazapinEvent) {
    runs.audit.push(event.id);
  }

  @OnWazapinEvent('message.new')
  flaky(event: WazapinEvent<'message.new'>) {
    runs.flaky.push(event.id);
    if (runs.failuresLeft > 0) {
      runs.failuresLeft--;
      throw new Error('CRM down');
    }
  }
}

const boot = (store?: IdempotencyStore) =>
  startTestApp('express', {
    imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline', idempotency: store ? { store } : undefined })],
    providers: [Handlers],
  });
const deliver = (app: TestApp, id: string) => app.deliver({ secret, id, body: { message_id: `m_${id}`, direction: 'inbound' } }, ROUTE);

beforeEach(() => Object.assign(runs, { audit: [], flaky: [], failuresLeft: 0 }));

describe('inline retries run only the handlers that failed', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('the platform retry of a partly failed delivery skips the handler that succeeded', async () => {
    t = await boot();
    runs.failuresLeft = 2;
    expect((await deliver(t, 'msg_partial')).status).toBe(500);
    expect((await deliver(t, 'msg_partial')).status).toBe(500);
    expect((await deliver(t, 'msg_partial')).status).toBe(200);
    expect((await deliver(t, 'msg_partial')).json).toEqual({ received: true, duplicate: true });

    expect(runs.audit).toEqual(['msg_partial']);
    expect(runs.flaky).toEqual(['msg_partial', 'msg_partial', 'msg_partial']);
  });

  it('a delivery that never failed runs each handler once, and another delivery id runs them again', async () => {
    t = await boot();
    expect((await deliver(t, 'msg_a')).status).toBe(200);
    expect((await deliver(t, 'msg_b')).status).toBe(200);
    expect(runs.audit).toEqual(['msg_a', 'msg_b']);
  });
});

describeIf(redisMissing)('inline retries across instances sharing a RedisIdempotencyStore', () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    redis = await useRedis();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await deleteKeys(redis.url, prefix);
  });
  afterAll(() => redis.close());

  it('a retry reaching the other instance skips the handler that succeeded on the first', async () => {
    prefix = `${uniquePrefix('inline-ledger')}:`;
    const [first, second] = await Promise.all([boot(new RedisIdempotencyStore(redis.url, { keyPrefix: prefix })), boot(new RedisIdempotencyStore(redis.url, { keyPrefix: prefix }))]);
    apps.push(first, second);
    runs.failuresLeft = 1;

    expect((await deliver(first, 'msg_fleet')).status).toBe(500);
    expect((await deliver(second, 'msg_fleet')).status).toBe(200);
    expect(runs.audit).toEqual(['msg_fleet']);
    expect(runs.flaky).toEqual(['msg_fleet', 'msg_fleet']);
  });
});
