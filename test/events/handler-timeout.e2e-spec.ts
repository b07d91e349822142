import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import {
  InMemoryIdempotencyStore,
  OnWazapinEvent,
  WazapinHandlerTimeoutError,
  WazapinWebhookEvents,
  WazapinWebhooksModule,
  type WazapinHandlerFailure,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { waitUntil } from '../support/wait-until.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const ROUTE = '/webhooks/wazapin/contact.updated';
const state = { hang: true, runs: 0, failures: [] as WazapinHandlerFailure[] };

@Injectable()
class Handlers {
  @OnWazapinEvent('contact.updated')
  async slow() {
    state.runs++;
    if (state.hang) {
      await new Promise(() => undefined);
    }
  }

  @OnEvent(WazapinWebhookEvents.HandlerFailed)
  failed(failure: WazapinHandlerFailure) {
    state.failures.push(failure);
  }
}

describe('handlerTimeoutMs and shutdownTimeoutMs', () => {
  let t: TestApp | undefined;
  const boot = async (options: Partial<WazapinWebhooksModuleOptions>) => {
    t = await startTestApp('express', {
      imports: [EventEmitterModule.forRoot(), WazapinWebhooksModule.forRoot({ secrets: secret, ...options })],
      providers: [Handlers],
    });
    return t;
  };
  beforeEach(() => Object.assign(state, { hang: true, runs: 0, failures: [] }));
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('inline: a handler that never settles fails after the timeout, the delivery answers 500, and the retry runs', async () => {
    const app = await boot({ dispatch: 'inline', handlerTimeoutMs: 200 });
    const started = Date.now();
    const response = await app.deliver({ secret, id: 'msg_hang', body: { contact_id: 'c1' } }, ROUTE);

    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(state.failures).toHaveLength(1);
    expect(state.failures[0].error).toBeInstanceOf(WazapinHandlerTimeoutError);
    expect(app.logger.has('error', /Handlers\.slow did not settle within 200 ms \(handlerTimeoutMs\)/)).toBe(true);

    state.hang = false;
    expect((await app.deliver({ secret, id: 'msg_hang', body: { contact_id: 'c1' } }, ROUTE)).status).toBe(200);
    expect(state.runs).toBe(2);
  });

  it('background: a handler that never settles is reported failed after the timeout', async () => {
    const app = await boot({ dispatch: 'background', handlerTimeoutMs: 200 });
    expect((await app.deliver({ secret, body: { contact_id: 'c1' } }, ROUTE)).status).toBe(200);
    await waitUntil('the timeout to be reported', () => state.failures.length === 1);
    expect(state.failures[0].error).toBeInstanceOf(WazapinHandlerTimeoutError);
  });

  it('background: shutdown waits at most shutdownTimeoutMs for a handler, and makes what it abandoned a dead letter', async () => {
    const store = new InMemoryIdempotencyStore();
    const app = await boot({ dispatch: 'background', shutdownTimeoutMs: 300, idempotency: { store } });
    expect((await app.deliver({ secret, id: 'msg_abandoned', body: { contact_id: 'c1' } }, ROUTE)).status).toBe(200);
    await waitUntil('the handler to start', () => state.runs === 1);

    const started = Date.now();
    await app.close();
    t = undefined;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(app.logger.has('warn', /still being handled or waiting for a retry after 300 ms \(shutdownTimeoutMs\), made dead letters: contact\.updated msg_abandoned/)).toBe(true);
    expect(app.logger.has('error', /msg_abandoned is a dead letter .*still running when the app shut down/)).toBe(true);
    // Its claim is settled, not left to a lease of many minutes: a copy is a duplicate.
    expect(await store.claim('delivery:contact.updated:msg_abandoned', 60)).toBe('done');
  });

  it('background: a delivery arriving while shutdown waits is answered 503 and released, not acknowledged and cut off (found by an outside attack)', async () => {
    const store = new InMemoryIdempotencyStore();
    const app = await boot({ dispatch: 'background', shutdownTimeoutMs: 1000, idempotency: { store } });
    expect((await app.deliver({ secret, id: 'msg_running', body: { contact_id: 'c1' } }, ROUTE)).status).toBe(200);
    await waitUntil('the handler to start', () => state.runs === 1);

    const closing = app.close();
    t = undefined;
    const late = await app.deliver({ secret, id: 'msg_late', body: { contact_id: 'c2' } }, ROUTE);
    await closing;
    expect(late).toMatchObject({ status: 503, json: { message: 'Shutting down; retry later' } });
    expect(state.runs).toBe(1);
    // Released: the platform's retry, on an instance that is up, gets it.
    expect(await store.claim('delivery:contact.updated:msg_late', 60)).toBe('claimed');
  });
});
