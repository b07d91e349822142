import { type INestApplication, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  OnWazapinEvent,
  RedisIdempotencyStore,
  WazapinWebhooksModule,
  type WazapinDispatchMode,
  type WazapinEvent,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { sampleWazapinPayload, signWazapinDelivery, WazapinEmulator } from '../../lib/testing/index.js';
import { freePort } from '../support/free-port.js';
import { describeIf, type RedisServer, redisServerMissing, startRedisServer } from '../support/redis.js';
import { RecordingLogger } from '../support/webhook-app.js';

/** Delivery ids each handler run saw, in order. */
const handled: string[] = [];

@Injectable()
class StatusHandler {
  @OnWazapinEvent('message.status_update')
  async onStatus(event: WazapinEvent<'message.status_update'>) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    handled.push(event.id);
  }
}

interface RunningApp {
  app: INestApplication;
  logger: RecordingLogger;
  url: string;
}

async function bootApp(port: number, secret: string, options: Partial<WazapinWebhooksModuleOptions>): Promise<RunningApp> {
  @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret, ...options })], providers: [StatusHandler] })
  class OutageAppModule {}
  const logger = new RecordingLogger();
  const app = await NestFactory.create(OutageAppModule, { rawBody: true, logger });
  await app.listen(port, '127.0.0.1');
  return { app, logger, url: `http://127.0.0.1:${port}/webhooks/wazapin/message.status_update` };
}

async function createEndpoint(emulator: WazapinEmulator, url: string): Promise<string> {
  const response = await fetch(`${emulator.webhooksUrl}/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url }),
  });
  const { data } = (await response.json()) as { data: { secret: string } };
  return data.secret;
}

const count = <T>(items: readonly T[], predicate: (item: T) => boolean) => items.filter(predicate).length;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeIf(redisServerMissing)('Redis stopped mid-run', () => {
  let redis: RedisServer;
  let emulator: WazapinEmulator;
  let running: RunningApp | undefined;
  let store: RedisIdempotencyStore | undefined;

  beforeEach(async () => {
    handled.length = 0;
    // Persistent, as a production Redis is: what it acknowledged outlives the restart.
    redis = await startRedisServer({ persistent: true });
    // The platform's schedule compressed: attempts at 0, 0.25, 0.75, 1.75, 3.75, 6.75, 10.75 and 15.75 s.
    emulator = await WazapinEmulator.start({ retrySchedule: [0, 250, 500, 1000, 2000, 3000, 4000, 5000] });
  });
  afterEach(async () => {
    await emulator.close();
    await running?.app.close();
    running = undefined;
    await store?.close();
    store = undefined;
    await redis.close();
  });

  it.each<[WazapinDispatchMode, Partial<WazapinWebhooksModuleOptions>]>([
    ['background', {}],
    // A job BullMQ moved to active just as Redis stopped is recovered once its lock expires:
    // short locks keep that within the test's wait.
    ['queue', { queue: { concurrency: 20, workerOptions: { lockDuration: 4000, stalledInterval: 1000 } } }],
  ])(
    '%s dispatch: deliveries get 503 while it is down, none is acknowledged and lost, and the retries are all handled once',
    async (dispatch, options) => {
      const port = await freePort();
      const secret = await createEndpoint(emulator, `http://127.0.0.1:${port}/webhooks/wazapin/message.status_update`);
      store = new RedisIdempotencyStore(redis.url);
      const queue = options.queue ? { ...options.queue, connection: redis.url } : undefined;
      // A short lease: a claim left behind by the outage blocks retries for 2 s, not a minute (and
      // handlers, which are quick here, must fit in it).
      // One run per handler in background mode: the lease covers handlerRetries' runs, and 2 s fits one.
      const retries = dispatch === 'background' ? { handlerRetries: { attempts: 1 } } : {};
      running = await bootApp(port, secret, { dispatch, queue, handlerTimeoutMs: 1000, idempotency: { store, leaseSeconds: 2 }, ...retries });

      const published: string[] = [];
      const publish = async (n: number) => {
        for (let i = 0; i < n; i++) {
          published.push(emulator.publish('message.status_update', sampleWazapinPayload('message.status_update')).messageId);
          await pause(4);
        }
      };
      await publish(100);
      await redis.stop();
      await publish(100);
      await pause(500);
      await redis.start();
      await publish(100);
      await emulator.settled(60_000);

      const attempts = emulator.deliveries();
      const unavailable = count(attempts, (a) => a.response_status_code === 503);
      const acknowledged = attempts.filter((a) => a.response_status_code === 200);
      console.log(
        `${dispatch}: ${published.length} events, ${attempts.length} attempts: ${acknowledged.length} acknowledged, ` +
          `${unavailable} answered 503, ${count(attempts, (a) => a.response_status_code === 409)} answered 409, ` +
          `${count(attempts, (a) => a.response_status_code == null)} unanswered`,
      );
      expect(unavailable).toBeGreaterThan(0);
      expect(count(attempts, (a) => ![200, 409, 503].includes(a.response_status_code ?? 0))).toBe(0);
      // Each event acknowledged exactly once, and every acknowledged one handled.
      expect(acknowledged.map((a) => a.message_id).sort()).toEqual([...published].sort());
      await waitForHandled(published.length);
      expect([...new Set(handled)].sort()).toEqual([...published].sort());
      if (dispatch === 'background') {
        expect(handled).toHaveLength(published.length);
      } else {
        // At least once: a job whose completion Redis lost as it stopped runs again.
        console.log(`queue: ${handled.length - published.length} handler run(s) repeated after the outage`);
      }
      // One outage: one error line and one recovery line, not one per request.
      expect(count(running.logger.lines, (l) => /Idempotency store unavailable/.test(l.message))).toBe(1);
      expect(count(running.logger.lines, (l) => /Idempotency store recovered/.test(l.message))).toBe(1);
    },
    90_000,
  );

  it('with failOpen, dispatches without deduplication while Redis is down, logging the outage once', async () => {
    const port = await freePort();
    const secret = await createEndpoint(emulator, `http://127.0.0.1:${port}/webhooks/wazapin/message.status_update`);
    store = new RedisIdempotencyStore(redis.url);
    running = await bootApp(port, secret, { idempotency: { store, failOpen: true } });
    await redis.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const signed = signWazapinDelivery({ secret, id: `msg_open${i}`, body: sampleWazapinPayload('message.status_update') });
      statuses.push((await fetch(running.url, { method: 'POST', headers: signed.headers, body: signed.body })).status);
    }
    expect(statuses).toEqual(Array(20).fill(200));
    await waitForHandled(20);
    expect(count(running.logger.lines, (l) => /Idempotency store unavailable .*dispatching without deduplication/.test(l.message))).toBe(1);
  });

  it('queue dispatch: the app still shuts down while Redis is down', async () => {
    const port = await freePort();
    running = await bootApp(port, await createEndpoint(emulator, 'http://127.0.0.1:1/unused'), {
      dispatch: 'queue',
      queue: { connection: redis.url },
    });
    await redis.stop();
    await running.app.close();
    running = undefined;
  });

  it('queue dispatch with Redis down from the start: boots, answers 503, and shuts down', async () => {
    await redis.stop();
    const port = await freePort();
    const secret = await createEndpoint(emulator, 'http://127.0.0.1:1/unused');
    // The in-memory store claims the delivery, so the queue is what answers 503.
    running = await bootApp(port, secret, { dispatch: 'queue', queue: { connection: redis.url } });
    const signed = signWazapinDelivery({ secret, body: sampleWazapinPayload('message.status_update') });
    const response = await fetch(running.url, { method: 'POST', headers: signed.headers, body: signed.body });
    expect(response.status).toBe(503);
    expect(count(running.logger.lines, (l) => /Webhook queue unavailable/.test(l.message))).toBe(1);
    await running.app.close();
    running = undefined;
  });
});

/** Waits until `expected` distinct deliveries were handled, or 30 s; the assertions that follow say what is missing. */
async function waitForHandled(expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (new Set(handled).size < expected && Date.now() < deadline) {
    await pause(20);
  }
}
