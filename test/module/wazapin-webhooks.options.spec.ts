import { generateWazapinSecret } from '../../lib/testing/index.js';
import { WazapinConfigurationError } from '../../lib/wazapin-configuration.error.js';
import { resolveWazapinWebhooksOptions, type WazapinModuleDefinition } from '../../lib/wazapin-webhooks.options.js';

const definition: WazapinModuleDefinition = { name: 'default', path: 'webhooks/wazapin', queued: false, tenants: false };

describe('resolveWazapinWebhooksOptions', () => {
  it('resolves once into a frozen object: secrets decoded to keys, defaults applied, the options given left as they were', () => {
    const secrets = [generateWazapinSecret(), generateWazapinSecret()];
    const given = { secrets: secrets.join(','), eventTypeHeader: 'X-Event-Type', knownEventTypes: ['order.created'] };
    const snapshot = JSON.stringify(given);
    const resolved = resolveWazapinWebhooksOptions(given, definition);

    expect(resolved.keys.map((key) => key.toString('base64'))).toEqual(secrets.map((secret) => secret.slice('whsec_'.length)));
    expect(resolved).toMatchObject({
      route: { path: 'webhooks/wazapin' },
      dispatch: 'background',
      verifier: 'native',
      eventTypeHeader: 'x-event-type',
      toleranceSeconds: 300,
      maxBodyBytes: 1024 * 1024,
      handlerTimeoutMs: 300_000,
      shutdownTimeoutMs: 10_000,
      // Three runs of 300 s and the waits of 1 s and 2 s between them, and the margin.
      idempotency: { ttlSeconds: 72 * 3600, leaseSeconds: 933, maxEntries: 1_000_000, failOpen: false },
      api: {},
      handlerRetries: { attempts: 3, backoffMs: 1000, maxBackoffMs: 60_000 },
      deadLetters: { maxEntries: 10_000 },
    });
    expect(resolved.recovery).toBeUndefined();
    expect([...resolved.knownEventTypes]).toEqual(['order.created']);
    expect(resolved.queue).toBeUndefined();
    for (const part of [resolved, resolved.route, resolved.keys, resolved.idempotency]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(JSON.stringify(given)).toBe(snapshot);
  });

  it('leases a background claim for every run of handlerRetries and the longest waits between them', () => {
    const secrets = generateWazapinSecret();
    const resolve = (options: object) => resolveWazapinWebhooksOptions({ secrets, ...options }, definition);
    expect(resolve({ handlerRetries: { attempts: 1 } }).idempotency.leaseSeconds).toBe(330);
    // 5 runs of 10 s; waits of 20, 40, 50 and 50 s (the bound): 160 s.
    expect(resolve({ handlerTimeoutMs: 10_000, handlerRetries: { attempts: 5, backoffMs: 20_000, maxBackoffMs: 50_000 } }).idempotency.leaseSeconds).toBe(50 + 160 + 30);
    // Large attempts are counted without a step per attempt.
    expect(resolve({ handlerTimeoutMs: 1000, handlerRetries: { attempts: 1_000_000, backoffMs: 1000, maxBackoffMs: 1000 } }).idempotency.leaseSeconds).toBe(
      1_000_000 + 999_999 + 30,
    );
    expect(resolve({ recovery: { onStartup: true }, api: { apiKey: 'k' } }).recovery).toEqual({ lookbackHours: 28, endpointId: undefined });
    expect(resolve({ recovery: { onStartup: false } }).recovery).toBeUndefined();
  });

  it('gives inline handlers 10 s and a lease to match, and queue mode its queue settings', () => {
    const secrets = generateWazapinSecret();
    expect(resolveWazapinWebhooksOptions({ secrets, dispatch: 'inline' }, definition)).toMatchObject({
      handlerTimeoutMs: 10_000,
      idempotency: { leaseSeconds: 60 },
    });
    const queued = resolveWazapinWebhooksOptions({ secrets, queue: { attempts: 3 } }, { ...definition, dispatch: 'queue', queued: true });
    expect(queued.dispatch).toBe('queue');
    expect(queued.queue).toMatchObject({ name: 'wazapin-webhooks', attempts: 3, concurrency: 10, worker: true });
    expect(Object.isFrozen(queued.queue)).toBe(true);
  });

  it.each([
    [{ dispatch: 'queue' as const }, definition, /give it beside useFactory/],
    [{ dispatch: 'inline' as const }, { ...definition, dispatch: 'queue' as const, queued: true }, /defined with dispatch: 'queue' but its options say "inline"/],
    [{ dispatch: 'background' as const }, { ...definition, dispatch: 'inline' as const }, /defined with dispatch: 'inline' but its options say "background"/],
    [{ dispatch: 'queue' as const }, { ...definition, dispatch: 'inline' as const }, /defined with dispatch: 'inline' but its options say "queue"/],
    [{}, { ...definition, dispatch: 'bogus' as never }, /dispatch must be one of background, inline, queue, got "bogus"/],
    [{ dispatch: 'later' as never }, definition, /dispatch must be one of background, inline, queue, got "later"/],
    [{ toleranceSeconds: 0 }, definition, /toleranceSeconds must be a positive number, got 0/],
    [{ idempotency: { leaseSeconds: 5 } }, definition, /idempotency.leaseSeconds \(5\) must be longer than the 3 runs of handlerRetries \(handlerTimeoutMs 300000 ms each\) and the waits between them, 903 s/],
    [{ handlerRetries: { attempts: 1 }, idempotency: { leaseSeconds: 300 } }, definition, /idempotency.leaseSeconds \(300\) must be longer than handlerTimeoutMs \(300000 ms\)/],
    [{ handlerRetries: { attempts: 0 } }, definition, /handlerRetries.attempts must be a positive integer, got 0/],
    [{ handlerRetries: { attempts: 1.5 } }, definition, /handlerRetries.attempts must be a positive integer, got 1.5/],
    [{ handlerRetries: { backoffMs: -1 } }, definition, /handlerRetries.backoffMs must be a positive number, got -1/],
    [{ handlerRetries: { backoffMs: 500, maxBackoffMs: 100 } }, definition, /handlerRetries.maxBackoffMs must be a number of at least 500, got 100/],
    [{ handlerRetries: 3 as never }, definition, /handlerRetries must be an object, got 3/],
    [{ dispatch: 'inline' as const, handlerRetries: {} }, definition, /handlerRetries is for dispatch: 'background' only; with dispatch: 'inline', the platform retries/],
    [{ handlerRetries: {} }, { ...definition, dispatch: 'queue' as const, queued: true }, /with dispatch: 'queue', queue.attempts and queue.backoff retry/],
    [{ deadLetters: { maxEntries: 0 } }, definition, /deadLetters.maxEntries must be a positive integer, got 0/],
    [{ recovery: { onStartup: true } }, definition, /recovery.onStartup calls the Wazapin API, so it needs api: \{ apiKey \}/],
    [{ recovery: { onStartup: true, lookbackHours: -2 }, api: { apiKey: 'k' } }, definition, /recovery.lookbackHours must be a positive number, got -2/],
    [{ recovery: { onStartup: 'yes' as never } }, definition, /recovery must be an object with onStartup: true or false/],
    [{ recovery: { onStartup: true, endpointId: 7 as never }, api: { apiKey: 'k' } }, definition, /recovery.endpointId must be an endpoint id/],
    [{ knownEventTypes: ['Order.Created'] }, definition, /knownEventTypes\[0\] is not an event type name/],
    [{ verifier: 'openssl' as never }, definition, /verifier must be "native" or "svix", got "openssl"/],
    [{ validatePayloads: 'yes' as never }, definition, /validatePayloads must be true or false, got yes/],
    [{ statusOrder: 'sort' as never }, definition, /statusOrder must be 'flag' or 'drop', got "sort"/],
    [{ statusRanks: { sent: 1 } }, definition, /statusRanks is set but statusOrder is not/],
    [{ statusOrder: 'drop' as const, statusRanks: { sent: 1, read: Number.NaN } }, definition, /statusRanks.read must be a finite number, got NaN/],
    [{ statusOrder: 'drop' as const, statusRanks: [1, 2] as never }, definition, /statusRanks must be a plain object of status to rank/],
    [{ statusOrder: 'drop' as const, statusRanks: new Map([['sent', 1]]) as never }, definition, /statusRanks must be a plain object/],
    [{ statusOrder: 'drop' as const, statusRanks: {} }, definition, /with one status at least/],
    [{ statusOrder: 'drop' as const, statusRanks: { sent: '1' as never } }, definition, /statusRanks.sent must be a finite number, got a string/],
  ])('refuses %j (%j) with a WazapinConfigurationError saying why', (options, fixed, message) => {
    const resolve = () => resolveWazapinWebhooksOptions({ secrets: generateWazapinSecret(), ...options }, fixed);
    expect(resolve).toThrow(WazapinConfigurationError);
    expect(resolve).toThrow(message);
  });

  it('orders statuses by the default ranks, or those given, with a lease past the handlers even in queue mode', () => {
    const secrets = generateWazapinSecret();
    const ordered = resolveWazapinWebhooksOptions({ secrets, statusOrder: 'flag' }, definition).statusOrder;
    expect(ordered?.mode).toBe('flag');
    expect([...ordered!.ranks]).toEqual([['sent', 1], ['delivered', 2], ['read', 3], ['failed', 2]]);
    const custom = resolveWazapinWebhooksOptions({ secrets, statusOrder: 'drop', statusRanks: { sent: 1, played: 9 } }, definition).statusOrder;
    expect([...custom!.ranks]).toEqual([['sent', 1], ['played', 9]]);
    const queued = resolveWazapinWebhooksOptions({ secrets, statusOrder: 'drop' }, { ...definition, dispatch: 'queue', queued: true });
    expect(queued.idempotency.leaseSeconds).toBe(60);
    expect(queued.statusOrder!.leaseSeconds).toBe(5 * 60 + 30);
    expect(resolveWazapinWebhooksOptions({ secrets }, definition).statusOrder).toBeUndefined();
  });

  it('takes the mode given where the module was defined when the options give none', () => {
    expect(resolveWazapinWebhooksOptions({ secrets: generateWazapinSecret() }, { ...definition, dispatch: 'inline' }).dispatch).toBe('inline');
  });

  it('refuses options that are not an object, as a factory returning nothing gives', () => {
    expect(() => resolveWazapinWebhooksOptions(undefined as never, definition)).toThrow(/the options must be an object, got undefined/);
  });
});
