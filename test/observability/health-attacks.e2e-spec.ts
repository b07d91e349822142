import { WazapinWebhooksModule } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { accountOf, type HealthApp, type HealthOptions, PlainStore, ScriptedStore, startHealthApp } from './health-support.js';

// What an outside attack on the health indicator found, each kept as a test.
describe('WazapinHealthIndicator under attack', () => {
  const secret = generateWazapinSecret();
  let app: HealthApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('a store whose ping getter throws is down, and the other registrations are still reported', async () => {
    const store = new PlainStore();
    Object.defineProperty(store, 'ping', {
      get() {
        throw new Error('ping getter exploded');
      },
    });
    app = await startHealthApp([
      WazapinWebhooksModule.forRoot({ secrets: secret }),
      WazapinWebhooksModule.forRoot({ name: 'acme', path: 'webhooks/acme', secrets: secret, idempotency: { store } }),
    ]);
    const response = await app.health();
    expect(response.status).toBe(503);
    expect(accountOf(response.body?.error?.wazapin, 'acme').store).toMatchObject({ status: 'down', error: expect.stringContaining('ping getter exploded') });
    expect(accountOf(response.body?.error?.wazapin, 'default').store.status).toBe('up');
  });

  it('a store whose ping is not a function is up, unprobed, as one without ping', async () => {
    const store = Object.assign(new PlainStore(), { ping: 42 }) as unknown as PlainStore;
    app = await startHealthApp([WazapinWebhooksModule.forRoot({ secrets: secret, idempotency: { store } })]);
    const response = await app.health();
    expect(response.status).toBe(200);
    expect(accountOf(response.body?.info?.wazapin, 'default').store).toMatchObject({ status: 'up', probed: false });
  });

  it('a registration named __proto__ is in the result under its name', async () => {
    const store = new ScriptedStore();
    store.behaviour = () => Promise.reject(new Error('store down'));
    app = await startHealthApp([
      WazapinWebhooksModule.forRoot({ secrets: secret }),
      WazapinWebhooksModule.forRoot({ name: '__proto__', path: 'webhooks/proto', secrets: secret, idempotency: { store } }),
    ]);
    const response = await app.health();
    expect(response.status).toBe(503);
    expect(Object.keys(response.body?.error?.wazapin ?? {})).toEqual(expect.arrayContaining(['default', '__proto__', 'status']));
    expect(accountOf(response.body?.error?.wazapin, '__proto__').store).toMatchObject({ status: 'down', error: 'store down' });
    const narrowed = await app.health({ accounts: ['__proto__'] });
    expect(Object.keys(narrowed.body?.error?.wazapin ?? {}).sort()).toEqual(['__proto__', 'status']);
  });

  it.each([
    ['a timeout beyond what a Node timer takes', { timeoutMs: 1e12 }, /timeoutMs/],
    ['accounts that are not names', { accounts: [123] }, /accounts/],
    ['accounts as one string', { accounts: 'default' }, /accounts/],
    ['a string timeout', { timeoutMs: 'abc' }, /timeoutMs/],
    ['options that are an array', [], /options/],
  ])('options it cannot use (%s) answer down with the error beside status, no registration blamed', async (_label, options, message) => {
    app = await startHealthApp([WazapinWebhooksModule.forRoot({ secrets: secret })]);
    const response = await app.health(options as unknown as HealthOptions);
    expect(response.status).toBe(503);
    expect(response.body?.error?.wazapin).toEqual({ status: 'down', error: expect.stringMatching(message) });
  });
});
