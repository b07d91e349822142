import 'reflect-metadata';
import type { INestApplication, LoggerService, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  InMemoryIdempotencyStore,
  RedisIdempotencyStore,
  WazapinConfigurationError,
  WazapinWebhooksApiService,
  WazapinWebhooksModule,
  type IdempotencyStore,
  type WazapinStartupRecoveryOptions,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload, signWazapinDelivery, WazapinEmulator } from '../../lib/testing/index.js';
import { runBin } from '../cli/run-bin.js';
import { downUntilUp, RecordingReceiver } from '../emulator/recording-receiver.js';
import { ensureCompiled } from '../support/compiled.js';
import { freePort } from '../support/free-port.js';
import { recordingHandler } from '../support/recording-handler.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';

// Issue 14, "recover on startup": `recovery: { onStartup: true }` makes the module, once the app
// listens, retry in the background the deliveries Wazapin gave up on while the app was down,
// from the time the registration last accepted one (remembered in the idempotency store) or
// `lookbackHours` back, one instance of a fleet at a time. Real Nest apps over HTTP, the
// emulator delivering to them and answering the API, on a port each app comes back on.

const STATUS = 'message.status_update';
const ROUTE = `/webhooks/wazapin/${STATUS}`;
const CONTEXT = 'WazapinWebhooks';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How far before the last accepted delivery a remembered window starts. */
const MARGIN_MS = 10 * MINUTE;
const DOWN_EVENTS = 300;
/** Three attempts, 10 ms apart: the platform's retries exhausted within the test. */
const RETRY_SCHEDULE = [0, 10, 10];

/** One line the app logged, with the logger context Nest passed along. */
interface LoggedLine {
  level: string;
  message: string;
  context?: string;
  /** Every string passed with it (stack, context), to check nothing secret was logged. */
  text: string;
}

/**
 * A LoggerService keeping every line with its context. Nest's `Logger` routes every app's
 * lines to the logger of the app created last, so with two apps in one process, read both.
 */
class ContextLogger implements LoggerService {
  readonly lines: LoggedLine[] = [];
  log(message: unknown, ...params: unknown[]) {
    this.add('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.add('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.add('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.add('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.add('verbose', message, params);
  }
  /** The module's lines (context `WazapinWebhooks`) at `level` matching `pattern`. */
  module(level: string, pattern: RegExp): LoggedLine[] {
    return this.lines.filter((line) => line.level === level && line.context === CONTEXT && pattern.test(line.message));
  }
  private add(level: string, message: unknown, params: unknown[]) {
    const last = params[params.length - 1];
    const text = message instanceof Error ? `${message.message}\n${message.stack ?? ''}` : typeof message === 'string' ? message : JSON.stringify(message);
    const strings = params.filter((param): param is string => typeof param === 'string');
    this.lines.push({ level, message: text, context: typeof last === 'string' ? last : undefined, text: [text, ...strings].join('\n') });
  }
}

/** A Nest app of this file, listening on loopback. */
interface RunningApp {
  app: INestApplication;
  logger: ContextLogger;
  /** How long `await app.listen()` took. */
  listenMs: number;
  close(): Promise<void>;
}

/** Creates a Nest app with `WazapinWebhooksModule.forRoot(options)` and `providers`, without listening. */
async function createApp(options: WazapinWebhooksModuleOptions, providers: Type[], logger: ContextLogger): Promise<INestApplication> {
  @Module({ imports: [WazapinWebhooksModule.forRoot(options)], providers })
  class AppModule {}
  return NestFactory.create(AppModule, { rawBody: true, logger, abortOnError: false });
}

/** Listens on `port` (127.0.0.1), timing `await app.listen()`; the app is closed if it fails. */
async function listen(app: INestApplication, port: number, logger: ContextLogger): Promise<RunningApp> {
  const started = performance.now();
  try {
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, logger, listenMs: performance.now() - started, close: () => app.close() };
}

/** Boots the app on `port`: created, initialised and listening; a failure to boot rejects. */
async function boot(port: number, options: WazapinWebhooksModuleOptions, providers: Type[]): Promise<RunningApp> {
  const logger = new ContextLogger();
  return listen(await createApp(options, providers, logger), port, logger);
}

const routeUrl = (port: number) => `http://127.0.0.1:${port}${ROUTE}`;

/** How many times each value occurs. */
function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) {
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** Ids of `ids` that `handled` does not hold exactly once: `[]` when each was handled once. */
function notOnce(handled: readonly string[], ids: readonly string[]): { id: string; times: number }[] {
  const counts = tally(handled);
  return ids.filter((id) => counts.get(id) !== 1).map((id) => ({ id, times: counts.get(id) ?? 0 }));
}

/** The message ids of the retry calls the emulator received (`POST …/deliveries/{messageID}/retry`), in order. */
function retryCalls(emulator: WazapinEmulator): { messageId: string; body: unknown }[] {
  return emulator.requests.flatMap((request) => {
    const match = request.method === 'POST' ? /\/deliveries\/([^/?]+)\/retry(?:\?|$)/.exec(request.url) : null;
    return match ? [{ messageId: decodeURIComponent(match[1]), body: request.body }] : [];
  });
}

/** The delivery list requests the emulator received (recovery's scans), with their query. */
function deliveryListings(emulator: WazapinEmulator): { query: URLSearchParams; at: number }[] {
  return emulator.requests.flatMap((request) => {
    const url = new URL(request.url, 'http://emulator');
    return request.method === 'GET' && url.pathname.endsWith('/deliveries') ? [{ query: url.searchParams, at: request.at }] : [];
  });
}

/** The `since` of the first delivery listing with one, and when it arrived: where a recovery's window started. */
function firstSince(emulator: WazapinEmulator): { since: number; at: number } {
  const listing = deliveryListings(emulator).find((entry) => entry.query.has('since'));
  if (!listing) {
    throw new Error('no delivery listing with a since was made');
  }
  return { since: Date.parse(listing.query.get('since')!), at: listing.at };
}

/**
 * Waits until nothing is delivered and no API request arrived for `quietMs`: a recovery that
 * would retry more than it should has then done so.
 */
async function quiet(emulator: WazapinEmulator, quietMs = 400): Promise<void> {
  let seen = -1;
  let changedAt = Date.now();
  await waitUntil('the emulator to go quiet', async () => {
    await emulator.settled();
    if (emulator.requests.length !== seen) {
      seen = emulator.requests.length;
      changedAt = Date.now();
      return false;
    }
    return Date.now() - changedAt >= quietMs;
  });
}

/**
 * Runs `act` with the clock of this process `hours` back: what the emulator publishes and
 * records meanwhile is dated then. The emulator cannot date an event in the past itself.
 */
async function asIfHoursAgo<T>(hours: number, act: () => Promise<T>): Promise<T> {
  const RealDate = globalThis.Date;
  const offset = hours * HOUR;
  class PastDate extends RealDate {
    constructor(...args: unknown[]) {
      super(...((args.length === 0 ? [RealDate.now() - offset] : args) as [number]));
    }
    static override now(): number {
      return RealDate.now() - offset;
    }
  }
  globalThis.Date = PastDate as DateConstructor;
  try {
    return await act();
  } finally {
    globalThis.Date = RealDate;
  }
}

/** An emulator, an endpoint in it posting status updates to the app's port, and the apps and receivers to close. */
interface Stage {
  emulator: WazapinEmulator;
  setup: WazapinWebhooksApiService;
  port: number;
  secret: string;
  endpointId: string;
  /** The module's `api` option, pointed at the emulator. */
  api: { apiKey: string; baseUrl: string; retryDelayMs: number; retries: number; timeoutMs: number };
  /** Publishes `count` status updates and waits for their deliveries to settle; their message ids. */
  publish(count: number): Promise<string[]>;
  track(app: RunningApp): RunningApp;
  untrack(app: RunningApp): void;
  receivers: RecordingReceiver[];
}

function useStage(): () => Stage {
  let stage: Stage | undefined;
  const apps: RunningApp[] = [];
  beforeEach(async () => {
    const emulator = await WazapinEmulator.start({ retrySchedule: RETRY_SCHEDULE });
    const setup = new WazapinWebhooksApiService({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
    const port = await freePort();
    const secret = generateWazapinSecret();
    const endpoint = await setup.createEndpoint({ url: routeUrl(port), secret, event_types: [STATUS] });
    stage = {
      emulator,
      setup,
      port,
      secret,
      endpointId: endpoint.id,
      api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl, retryDelayMs: 5, retries: 1, timeoutMs: 2000 },
      async publish(count) {
        const ids = Array.from({ length: count }, () => emulator.publish(STATUS, sampleWazapinPayload(STATUS)).messageId);
        await emulator.settled();
        return ids;
      },
      track(app) {
        apps.push(app);
        return app;
      },
      untrack(app) {
        apps.splice(apps.indexOf(app), 1);
      },
      receivers: [],
    };
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close().catch(() => undefined)));
    if (stage) {
      await stage.emulator.close();
      await Promise.all(stage.receivers.map((receiver) => receiver.close()));
    }
    stage = undefined;
  });
  return () => stage!;
}

/**
 * Must-show 1: the app handles some deliveries, stops, 300 events fail while it is down until
 * the platform gives up on them, and the app comes back on the same port. Each of the 320 is
 * then handled exactly once over both lifetimes; the 20 handled before the stop, 5 of which
 * had failed once first, are neither retried nor handled again. The window starts at the time
 * remembered in `store()` (the first lifetime's store, or a new one over the same Redis keys).
 */
async function restartScenario(stage: Stage, store: () => IdempotencyStore, recover: 'onStartup' | 'cli'): Promise<void> {
  const { Handler, handled } = recordingHandler(STATUS);
  const { emulator, port, secret } = stage;

  const first = stage.track(await boot(port, { secrets: secret, idempotency: { store: store() } }, [Handler]));
  const upFrom = Date.now();
  emulator.failNextDeliveries(5);
  const before = await stage.publish(20);
  await waitUntil('the 20 deliveries to be handled', () => handled.length >= 20);
  // 5 failed once, then succeeded on the platform's retry: nothing is left to recover of them.
  expect(emulator.deliveries({ status: 'failed' })).toHaveLength(5);
  await first.close();
  stage.untrack(first);
  const closedAt = Date.now();

  const down = await stage.publish(DOWN_EVENTS);
  // The platform gave up on each: every attempt failed, none is scheduled.
  expect(emulator.deliveries({ status: 'failed' })).toHaveLength(5 + DOWN_EVENTS * RETRY_SCHEDULE.length);
  expect(down.every((id) => emulator.deliveries({ message_id: id, status: 'success' }).length === 0)).toBe(true);

  let second: RunningApp;
  if (recover === 'onStartup') {
    second = stage.track(
      await boot(port, { secrets: secret, idempotency: { store: store() }, api: stage.api, recovery: { onStartup: true } }, [Handler]),
    );
  } else {
    second = stage.track(await boot(port, { secrets: secret, idempotency: { store: store() } }, [Handler]));
    const run = await runBin(['recover', '--since', new Date(closedAt - 1000).toISOString()], 20_000, {
      WAZAPIN_API_KEY: emulator.apiKey,
      WAZAPIN_API_BASE_URL: emulator.baseUrl,
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`to retry\\s+${DOWN_EVENTS}\\nretried\\s+${DOWN_EVENTS}\\nfailed\\s+0\\n`));
  }
  await waitUntil(`the ${DOWN_EVENTS} events to be handled`, () => handled.length >= before.length + DOWN_EVENTS, 25_000);
  await quiet(emulator);

  // Each of the 320 exactly once, over both lifetimes; nothing else.
  expect(notOnce(handled, [...before, ...down])).toEqual([]);
  expect(handled).toHaveLength(before.length + DOWN_EVENTS);
  // One retry call per message that failed while the app was down; none of those handled before.
  const retried = tally(retryCalls(emulator).map((call) => call.messageId));
  expect([...retried.keys()].sort()).toEqual([...down].sort());
  expect([...retried.values()].every((times) => times === 1)).toBe(true);
  expect(second.logger.lines.filter((line) => line.level === 'error')).toEqual([]);

  if (recover === 'onStartup') {
    // The outcome is logged, in the module's context, with what it retried.
    expect(second.logger.lines.some((line) => line.context === CONTEXT && /recover/i.test(line.message) && new RegExp(`\\b${DOWN_EVENTS}\\b`).test(line.message))).toBe(
      true,
    );
    // The window started at the remembered time, the last accepted delivery less 10 minutes,
    // not `lookbackHours` (28 h) back.
    const { since } = firstSince(emulator);
    expect(since).toBeGreaterThanOrEqual(upFrom - MARGIN_MS - 2000);
    expect(since).toBeLessThanOrEqual(closedAt - MARGIN_MS + 2000);
  }
}

/**
 * A Redis for the tests of a describe block, and a maker of stores on one key prefix per test,
 * its keys deleted after the test: each app lifetime or instance gets its own store, on shared data.
 */
function useRedisStores(): () => RedisIdempotencyStore {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string | undefined;
  beforeAll(async () => {
    redis = await useRedis();
  });
  afterEach(async () => {
    if (prefix !== undefined) {
      await deleteKeys(redis.url, prefix);
    }
    prefix = undefined;
  });
  afterAll(() => redis.close());
  return () => {
    prefix ??= `${uniquePrefix('startup-recovery')}:`;
    return new RedisIdempotencyStore(redis.url, { keyPrefix: prefix });
  };
}

describe('startup recovery (recovery.onStartup)', () => {
  describe('after a restart, the in-memory store given to both lifetimes', () => {
    const stage = useStage();

    it(`handles each of ${DOWN_EVENTS} events published while the app was down exactly once, from the time the store remembered`, async () => {
      const store = new InMemoryIdempotencyStore();
      await restartScenario(stage(), () => store, 'onStartup');
    }, 45_000);
  });

  describeIf(redisMissing)('after a restart, with RedisIdempotencyStore', () => {
    const stage = useStage();
    const redisStore = useRedisStores();

    it(`handles each of ${DOWN_EVENTS} events published while the app was down exactly once, from the time Redis remembered`, async () => {
      // A new store (and connection) per lifetime: what survives is in Redis.
      await restartScenario(stage(), redisStore, 'onStartup');
    }, 45_000);
  });

  describe('the CLI instead: wazapin-webhooks recover --since <ISO>', () => {
    const stage = useStage();
    beforeAll(() => {
      ensureCompiled();
    }, 120_000);

    it(`after a restart without recovery, the built bin recovers the ${DOWN_EVENTS} events, each handled exactly once, and exits 0`, async () => {
      const store = new InMemoryIdempotencyStore();
      await restartScenario(stage(), () => store, 'cli');
    }, 45_000);
  });

  describeIf(redisMissing)('two instances sharing Redis, starting together', () => {
    const stage = useStage();
    const redisStore = useRedisStores();

    it('make one retry call per failed message, handle every event once, and the one that did not run logs that it skipped', async () => {
      const { emulator, port, secret } = stage();
      const { Handler, handled } = recordingHandler(STATUS);
      const failed = await stage().publish(100);
      const otherPort = await freePort();
      const options = (): WazapinWebhooksModuleOptions => ({
        secrets: secret,
        idempotency: { store: redisStore() },
        api: stage().api,
        recovery: { onStartup: true },
      });
      const loggers = [new ContextLogger(), new ContextLogger()];
      // Both created first, then both listen at once: two instances of a fleet deployed together.
      const apps = [await createApp(options(), [Handler], loggers[0]), await createApp(options(), [Handler], loggers[1])];
      const running = await Promise.all([listen(apps[0], port, loggers[0]), listen(apps[1], otherPort, loggers[1])]);
      running.forEach((app) => stage().track(app));

      await waitUntil('every failed event to be handled', () => handled.length >= failed.length, 20_000);
      await quiet(emulator);

      // One retry call per failed message, not one per instance.
      const retried = tally(retryCalls(emulator).map((call) => call.messageId));
      expect([...retried.keys()].sort()).toEqual([...failed].sort());
      expect([...retried.entries()].filter(([, times]) => times !== 1)).toEqual([]);
      expect(notOnce(handled, failed)).toEqual([]);
      expect(handled).toHaveLength(failed.length);
      // The instance that did not run logged that it skipped; the other ran. Nest's Logger routes
      // both apps' lines to the logger of the app created last, so both loggers are read.
      const skipped = () => loggers.flatMap((logger) => logger.lines).filter((line) => line.context === CONTEXT && /skip/i.test(line.message));
      await waitUntil('the instance that did not recover to log that it skipped', () => skipped().length > 0, 5000);
      expect(skipped()).toHaveLength(1);
    }, 45_000);
  });

  describe('never delays boot, never crashes', () => {
    const stage = useStage();

    it('await app.listen() returns while the API still holds the recovery; the recovery then completes', async () => {
      const { emulator, port, secret } = stage();
      const { Handler, handled } = recordingHandler(STATUS);
      const failed = await stage().publish(5);
      // The recovery's first call is answered 3 s late.
      emulator.delayNextRequests(1, 3000);

      const app = stage().track(await boot(port, { secrets: secret, api: stage().api, recovery: { onStartup: true } }, [Handler]));

      expect(app.listenMs).toBeLessThan(1500);
      expect(handled).toEqual([]);
      await waitUntil('the recovery to complete', () => handled.length >= failed.length);
      expect(notOnce(handled, failed)).toEqual([]);
    });

    it('with a wrong API key the app boots at once, logs the error (not the key) and serves deliveries', async () => {
      const { emulator, port, secret } = stage();
      const { Handler, handled } = recordingHandler(STATUS);
      await stage().publish(3);
      const wrongKey = 'wzp_wrong_key_for_startup_recovery';

      const app = stage().track(
        await boot(port, { secrets: secret, api: { ...stage().api, apiKey: wrongKey }, recovery: { onStartup: true } }, [Handler]),
      );

      expect(app.listenMs).toBeLessThan(1500);
      await waitUntil('the recovery error to be logged', () => app.logger.module('error', /recover/i).length > 0);
      expect(emulator.requests.some((request) => !request.authorized && request.status === 401)).toBe(true);
      expect(app.logger.lines.filter((line) => line.text.includes(wrongKey))).toEqual([]);
      expect(handled).toEqual([]);
      // Still up and handling.
      const signed = signWazapinDelivery({ secret, id: 'msg_after_failed_recovery', body: sampleWazapinPayload(STATUS) });
      const response = await fetch(routeUrl(port), { method: 'POST', headers: signed.headers, body: signed.body });
      expect(response.status).toBe(200);
      await waitUntil('the delivery to be handled', () => handled.includes('msg_after_failed_recovery'));
    });

    it('with the API unreachable the app boots at once and logs the error', async () => {
      const { port, secret } = stage();
      const { Handler } = recordingHandler(STATUS);
      await stage().publish(2);
      const nowhere = `http://127.0.0.1:${await freePort()}`;

      const app = stage().track(
        await boot(port, { secrets: secret, api: { ...stage().api, baseUrl: nowhere }, recovery: { onStartup: true } }, [Handler]),
      );

      expect(app.listenMs).toBeLessThan(1500);
      await waitUntil('the recovery error to be logged', () => app.logger.module('error', /recover/i).length > 0);
      expect(app.app.getHttpServer().listening).toBe(true);
    });
  });

  describe('the window and the endpoint', () => {
    const stage = useStage();

    /** A second endpoint, for contact updates only, posting to a receiver that is down: its failures are not the app's. */
    async function otherEndpoint(): Promise<{ id: string; receiver: RecordingReceiver; failed: string[] }> {
      const receiver = await RecordingReceiver.start();
      stage().receivers.push(receiver);
      downUntilUp(receiver);
      const { id } = await stage().setup.createEndpoint({ url: receiver.url(), event_types: ['contact.updated'] });
      const failed = Array.from({ length: 3 }, () => stage().emulator.publish('contact.updated', sampleWazapinPayload('contact.updated')).messageId);
      await stage().emulator.settled();
      return { id, receiver, failed };
    }

    it('with nothing remembered it reaches lookbackHours back: a failure within is retried, an older one not; and it warns it recovers every endpoint', async () => {
      const { emulator, port, secret } = stage();
      const { Handler, handled } = recordingHandler(STATUS);
      // Failed 3 h ago, beyond a 2-hour lookback; the other now.
      const [old] = await asIfHoursAgo(3, () => stage().publish(1));
      expect(Date.parse(emulator.deliveries({ message_id: old })[0].timestamp)).toBeLessThan(Date.now() - 2.5 * HOUR);
      const [recent] = await stage().publish(1);
      const bootAt = Date.now();

      const app = stage().track(await boot(port, { secrets: secret, api: stage().api, recovery: { onStartup: true, lookbackHours: 2 } }, [Handler]));

      await waitUntil('the recent failure to be handled', () => handled.includes(recent));
      await quiet(emulator);
      expect(handled).toEqual([recent]);
      expect(retryCalls(emulator).map((call) => call.messageId)).toEqual([recent]);
      const { since, at } = firstSince(emulator);
      expect(since).toBeGreaterThanOrEqual(bootAt - 2 * HOUR - 1000);
      expect(since).toBeLessThanOrEqual(at - 2 * HOUR + 1000);
      // No endpointId, no autoRegister: every endpoint of the organisation, and a warning says so.
      expect(app.logger.module('warn', /endpoint/i).length).toBeGreaterThan(0);
    });

    it('recovery.endpointId limits it to that endpoint: another endpoint\'s failures are not retried', async () => {
      const { emulator, port, secret, endpointId } = stage();
      const { Handler, handled } = recordingHandler(STATUS);
      const failed = await stage().publish(4);
      const other = await otherEndpoint();
      const otherReceived = other.receiver.received.length;

      stage().track(await boot(port, { secrets: secret, api: stage().api, recovery: { onStartup: true, endpointId } }, [Handler]));

      await waitUntil('the endpoint\'s failures to be handled', () => handled.length >= failed.length);
      await quiet(emulator);
      expect(notOnce(handled, failed)).toEqual([]);
      const calls = retryCalls(emulator);
      expect(calls.map((call) => call.messageId).sort()).toEqual([...failed].sort());
      expect(calls.every((call) => (call.body as { endpoint_id?: string } | undefined)?.endpoint_id === endpointId)).toBe(true);
      expect(deliveryListings(emulator).every((listing) => listing.query.get('endpoint_id') === endpointId)).toBe(true);
      expect(other.failed.some((id) => calls.some((call) => call.messageId === id))).toBe(false);
      expect(other.receiver.received).toHaveLength(otherReceived);
    });

    it('with autoRegister, the endpoint it synced is the one recovered', async () => {
      const { emulator, port, secret, endpointId } = stage();
      const { Handler, handled } = recordingHandler(STATUS);
      const failed = await stage().publish(4);
      const other = await otherEndpoint();
      const otherReceived = other.receiver.received.length;

      const app = stage().track(
        await boot(port, { secrets: secret, api: stage().api, autoRegister: { url: routeUrl(port) }, recovery: { onStartup: true } }, [Handler]),
      );

      await waitUntil('the synced endpoint\'s failures to be handled', () => handled.length >= failed.length);
      await quiet(emulator);
      // autoRegister found the endpoint by its URL and kept it: still two endpoints.
      expect(emulator.endpoints().map((endpoint) => endpoint.id).sort()).toEqual([endpointId, other.id].sort());
      expect(notOnce(handled, failed)).toEqual([]);
      const calls = retryCalls(emulator);
      expect(calls.map((call) => call.messageId).sort()).toEqual([...failed].sort());
      expect(calls.every((call) => (call.body as { endpoint_id?: string } | undefined)?.endpoint_id === endpointId)).toBe(true);
      expect(other.receiver.received).toHaveLength(otherReceived);
      expect(app.logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    });
  });

  describe('options', () => {
    const secret = generateWazapinSecret();
    const api = { apiKey: 'wzp_test_key', baseUrl: 'http://127.0.0.1:9' };

    /** Boots with `options` and answers the error it fails with; fails the test if it boots. */
    async function bootFailure(options: WazapinWebhooksModuleOptions): Promise<unknown> {
      let app: RunningApp;
      try {
        app = await boot(await freePort(), options, []);
      } catch (error) {
        return error;
      }
      await app.close();
      throw new Error('expected boot to fail, and the app started');
    }

    it('recovery.onStartup without an api option fails boot with a WazapinConfigurationError', async () => {
      const error = await bootFailure({ secrets: secret, recovery: { onStartup: true } });
      expect(error).toBeInstanceOf(WazapinConfigurationError);
      expect((error as Error).message).toMatch(/apiKey/);
    });

    it('recovery.onStartup with an api option but no apiKey fails boot with a WazapinConfigurationError', async () => {
      const error = await bootFailure({ secrets: secret, api: { baseUrl: api.baseUrl }, recovery: { onStartup: true } });
      expect(error).toBeInstanceOf(WazapinConfigurationError);
      expect((error as Error).message).toMatch(/apiKey/);
    });

    it.each<[string, WazapinStartupRecoveryOptions]>([
      ['negative', { onStartup: true, lookbackHours: -1 }],
      ['a string', { onStartup: true, lookbackHours: '28' as unknown as number }],
      ['NaN', { onStartup: true, lookbackHours: Number.NaN }],
    ])('a lookbackHours that is %s fails boot with a WazapinConfigurationError naming it', async (_case, recovery) => {
      const error = await bootFailure({ secrets: secret, api, recovery });
      expect(error).toBeInstanceOf(WazapinConfigurationError);
      expect((error as Error).message).toMatch(/lookbackHours/);
    });
  });
});
