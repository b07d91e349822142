import { Subject } from 'rxjs';
import type { HttpAdapterHost } from '@nestjs/core';
import type { WazapinEndpointRegistrar } from '../../lib/api/wazapin-endpoint.registrar.js';
import type { WazapinWebhooksApiService } from '../../lib/api/wazapin-webhooks-api.service.js';
import { InMemoryIdempotencyStore, type WazapinRecoveryOptions, type WazapinRecoveryResult } from '../../lib/index.js';
import type { LastAcceptedDelivery } from '../../lib/recovery/last-accepted-delivery.js';
import { StartupRecovery } from '../../lib/recovery/startup-recovery.js';
import { resolveWazapinWebhooksOptions } from '../../lib/wazapin-webhooks.options.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { waitUntil } from '../support/wait-until.js';

// Where a startup recovery's window starts, run after run: a run some of whose retries were
// refused covers nothing, and each endpoint has its own window (both found by an outside attack:
// a transient API error, or a run with another endpointId, used to hide failures from every
// later run).

const HOUR = 3600_000;
const definition = { name: 'default', path: 'webhooks/wazapin', queued: false, tenants: false };

describe('startup recovery: the window of each run', () => {
  const store = new InMemoryIdempotencyStore();
  const calls: WazapinRecoveryOptions[] = [];
  let answer: WazapinRecoveryResult;
  const api = {
    recoverFailedDeliveries: async (options: WazapinRecoveryOptions) => {
      calls.push(options);
      return answer;
    },
  } as unknown as WazapinWebhooksApiService;
  const nothingAccepted = { recalled: async () => undefined } as unknown as LastAcceptedDelivery;

  /** One start of the app: a recovery once it listens. */
  async function startOnce(endpointId?: string): Promise<WazapinRecoveryOptions> {
    const options = resolveWazapinWebhooksOptions(
      { secrets: generateWazapinSecret(), api: { apiKey: 'key' }, recovery: { onStartup: true, lookbackHours: 28, endpointId } },
      definition,
    );
    const listen$ = new Subject<void>();
    const recovery = new StartupRecovery(options, store, api, {} as WazapinEndpointRegistrar, nothingAccepted, { listen$ } as unknown as HttpAdapterHost);
    recovery.onApplicationBootstrap();
    const before = calls.length;
    listen$.next();
    await waitUntil('the recovery to run', () => calls.length > before);
    // Its lock is released once it is done: the next start may take it.
    await waitUntil('the lock to be free', async () => {
      const free = (await store.claim('recovery:lock', 1)) === 'claimed';
      if (free) {
        await store.release('recovery:lock');
      }
      return free;
    });
    await recovery.onApplicationShutdown();
    return calls.at(-1)!;
  }

  const refused: WazapinRecoveryResult = { scanned: 3, toRetry: 3, retried: 0, failed: [{ messageId: 'm1', error: new Error('500') }] };
  const done: WazapinRecoveryResult = { scanned: 3, toRetry: 3, retried: 3, failed: [] };

  it('a run whose retries were refused leaves the window where it was; one that retried everything moves it', async () => {
    answer = refused;
    const first = await startOnce('ep_a');
    expect(Date.now() - first.since.getTime()).toBeGreaterThan(27 * HOUR);
    answer = done;
    // The refused retries are in the window again.
    const second = await startOnce('ep_a');
    expect(Date.now() - second.since.getTime()).toBeGreaterThan(27 * HOUR);
    // Everything retried: the next run starts where that one's window ended, less a minute.
    const third = await startOnce('ep_a');
    expect(third.since.getTime()).toBe(second.until!.getTime() - 60_000);
  });

  it("one endpoint's run does not cover another endpoint's window, nor every endpoint's", async () => {
    answer = done;
    await startOnce('ep_b');
    expect(Date.now() - (await startOnce('ep_c')).since.getTime()).toBeGreaterThan(27 * HOUR);
    expect(Date.now() - (await startOnce()).since.getTime()).toBeGreaterThan(27 * HOUR);
  });
});
