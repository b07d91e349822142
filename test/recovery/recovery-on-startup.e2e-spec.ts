import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  InMemoryIdempotencyStore,
  OnWazapinEvent,
  RedisIdempotencyStore,
  WazapinWebhooksApiService,
  WazapinWebhooksModule,
  type IdempotencyStore,
  type WazapinEvent,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload, WazapinEmulator } from '../../lib/testing/index.js';
import { freePort } from '../support/free-port.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { RecordingLogger } from '../support/webhook-app.js';

// Issue 14, must-show 1 and 2, with recovery.onStartup in every lifetime of the app: the second
// starts where the first one's recovery ended, and gets each of 300 events missed while down
// exactly once; two instances starting together make each retry call once. The CLI, the window,
// the endpoint and boot are in startup-recovery.e2e-spec.ts.

const DOWNTIME_EVENTS = 300;
const TYPE = 'message.status_update';

/** Handler runs per delivery id, across every app of a test. */
const runs = new Map<string, number>();

@Injectable()
class StatusHandler {
  @OnWazapinEvent(TYPE)
  onStatus(event: WazapinEvent) {
    runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
  }
}

interface RunningApp {
  app: INestApplication;
  logger: RecordingLogger;
}

describe('recovery after downtime', () => {
  let emulator: WazapinEmulator;
  let secret: string;
  let port: number;
  const apps: RunningApp[] = [];

  beforeEach(async () => {
    runs.clear();
    // Every attempt at once: the platform's retries run out within the test.
    emulator = await WazapinEmulator.start({ retrySchedule: [0, 0] });
    secret = generateWazapinSecret();
    port = await freePort();
    await api().createEndpoint({ url: `http://127.0.0.1:${port}/webhooks/wazapin/${TYPE}`, secret });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map(({ app }) => app.close()));
    await emulator.close();
  });

  const api = () => new WazapinWebhooksApiService({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });

  async function start(options: Partial<WazapinWebhooksModuleOptions>, on = port): Promise<RunningApp> {
    @Module({
      imports: [
        WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline', api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl }, ...options }),
      ],
      providers: [StatusHandler],
    })
    class AppModule {}
    const logger = new RecordingLogger();
    const app = await NestFactory.create(AppModule, { rawBody: true, logger });
    await app.listen(on, '127.0.0.1');
    const running = { app, logger };
    apps.push(running);
    return running;
  }

  async function stop(running: RunningApp): Promise<void> {
    apps.splice(apps.indexOf(running), 1);
    await running.app.close();
  }

  async function publish(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => emulator.publish(TYPE, sampleWazapinPayload(TYPE)).messageId);
    await emulator.settled();
    return ids;
  }

  /** Delivery ids run other than once. */
  const notOnce = () => [...runs].filter(([, count]) => count !== 1);
  const retryCalls = () => emulator.requests.filter((request) => request.method === 'POST' && /\/deliveries\/[^/]+\/retry/.test(request.url));

  /** Up, some deliveries handled, then down while DOWNTIME_EVENTS are published and given up on. */
  async function downtime(first: RunningApp): Promise<void> {
    await publish(5);
    expect(runs.size).toBe(5);
    await stop(first);
    await publish(DOWNTIME_EVENTS);
    expect(runs.size).toBe(5);
  }

  /** Each app lifetime's store: one object in memory (as one process keeps it), or a new store on the same Redis keys. */
  interface Stores {
    store(): IdempotencyStore;
    close(): Promise<void>;
  }
  const memory = async (): Promise<Stores> => {
    const store = new InMemoryIdempotencyStore();
    return { store: () => store, close: async () => undefined };
  };
  const redisStores = async (): Promise<Stores> => {
    const redis = await useRedis();
    const prefix = `${uniquePrefix('recovery')}:`;
    return {
      // Closed with the app that has it, on app shutdown.
      store: () => new RedisIdempotencyStore(redis.url, { keyPrefix: prefix }),
      close: async () => {
        await deleteKeys(redis.url, prefix);
        await redis.close();
      },
    };
  };

  describe.each<[string, () => Promise<Stores>]>([['in memory', memory], ...(redisMissing ? [] : [['in Redis', redisStores] as [string, () => Promise<Stores>]])])(
    'recovery.onStartup, the store %s',
    (_name, makeStores) => {
      it(`handles each of ${DOWNTIME_EVENTS} events missed while down exactly once, and none handled before again`, async () => {
        const stores = await makeStores();
        try {
          await downtime(await start({ idempotency: { store: stores.store() }, recovery: { onStartup: true } }));

          const back = await start({ idempotency: { store: stores.store() }, recovery: { onStartup: true } });
          await waitUntil('every missed event to be handled', () => runs.size === 5 + DOWNTIME_EVENTS, 30_000);
          await emulator.settled();
          expect(notOnce()).toEqual([]);
          expect(retryCalls()).toHaveLength(DOWNTIME_EVENTS);
          await waitUntil('the summary to be logged', () =>
            back.logger.has('log', new RegExp(`${DOWNTIME_EVENTS} of ${DOWNTIME_EVENTS} failed message\\(s\\) retried`)),
          );
          // Started where the first lifetime's own recovery ended, not 28 h back.
          expect(back.logger.has('log', /since .* \(the end of the last recovery, less 1 min\)/)).toBe(true);
        } finally {
          await stores.close();
        }
      }, 60_000);
    },
  );

  describeIf(redisMissing)('two instances sharing Redis', () => {
    it('both starting with recovery.onStartup make each retry call once; the one that skipped says so', async () => {
      const redis = await useRedis();
      const prefix = `${uniquePrefix('recovery-fleet')}:`;
      const store = () => new RedisIdempotencyStore(redis.url, { keyPrefix: prefix });
      try {
        await downtime(await start({ idempotency: { store: store() } }));
        const [one, two] = await Promise.all([
          start({ idempotency: { store: store() }, recovery: { onStartup: true } }),
          start({ idempotency: { store: store() }, recovery: { onStartup: true } }, await freePort()),
        ]);
        await waitUntil('every missed event to be handled', () => runs.size === 5 + DOWNTIME_EVENTS, 30_000);
        // Nest's static logger writes to the app created last: both instances' lines are read together.
        const lines = () => [one, two].flatMap((instance) => instance.logger.lines.map((line) => line.message));
        await waitUntil('both to have decided', () => lines().filter((line) => /^Recovery at startup(: | skipped)/.test(line)).length === 2);
        await emulator.settled();
        expect(retryCalls()).toHaveLength(DOWNTIME_EVENTS);
        expect(notOnce()).toEqual([]);
        expect(lines().filter((line) => /^Recovery at startup skipped: another instance is recovering/.test(line))).toHaveLength(1);
        expect(lines().filter((line) => line.startsWith(`Recovery at startup: ${DOWNTIME_EVENTS} of ${DOWNTIME_EVENTS}`))).toHaveLength(1);
      } finally {
        await deleteKeys(redis.url, prefix);
        await redis.close();
      }
    }, 60_000);
  });
});
