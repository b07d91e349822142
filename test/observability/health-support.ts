import 'reflect-metadata';
import { Controller, type DynamicModule, Get, Inject, type INestApplication, Module, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { InMemoryIdempotencyStore, type IdempotencyClaim, type IdempotencyStore, WazapinHealthIndicator } from '../../lib/index.js';
import { signWazapinDelivery } from '../../lib/testing/index.js';
import { type AdapterName, RecordingLogger } from '../support/webhook-app.js';

// Issue 15, "Health": `WazapinHealthIndicator` in an app's Terminus health check. What the tests
// of test/observability/health-*.e2e-spec.ts share: a real Nest app with TerminusModule and a
// `GET /health` route, the result's shape as the contract states it, and stores scripted to fail.

/** The options of `isHealthy`, as the contract states them. */
export interface HealthOptions {
  maxQueueWaiting?: number;
  maxSilenceSeconds?: number;
  timeoutMs?: number;
  accounts?: string[];
}

export interface StoreCheck {
  status: 'up' | 'down';
  store: string;
  latencyMs?: number;
  error?: string;
  probed?: boolean;
}
export interface QueueCheck {
  status: 'up' | 'down';
  waiting?: number;
  maxQueueWaiting?: number;
  error?: string;
}
export interface DeliveriesCheck {
  status: 'up' | 'down';
  lastAcceptedSecondsAgo: number | null;
  maxSilenceSeconds?: number;
}
/** One registration's checks. */
export interface AccountHealth {
  store: StoreCheck;
  queue?: QueueCheck;
  deliveries: DeliveriesCheck;
}
/** What `isHealthy(key)` answers under `key`: the overall status and one entry per registration. */
export type IndicatorHealth = { status: 'up' | 'down' } & { [account: string]: AccountHealth | 'up' | 'down' };

/** Terminus's answer: 200 with `status: 'ok'`, or 503 with `status: 'error'` and the down ones under `error`. */
export interface TerminusBody {
  status: string;
  info?: Record<string, IndicatorHealth>;
  error?: Record<string, IndicatorHealth>;
  details: Record<string, IndicatorHealth>;
}

export interface HealthResponse {
  status: number;
  contentType: string;
  text: string;
  /** The parsed body; `undefined` when it is not JSON. */
  body: TerminusBody | undefined;
  /** How long the request took, in milliseconds. */
  ms: number;
}

/** The registration `account` in an indicator result (`result.wazapin.default`, …). */
export function accountOf(indicator: IndicatorHealth | undefined, account: string): AccountHealth {
  const entry = indicator?.[account];
  if (entry === undefined || typeof entry === 'string') {
    throw new Error(`no entry "${account}" in ${JSON.stringify(indicator)}`);
  }
  return entry;
}

/** The registration names in an indicator result, sorted (every key but `status`). */
export function accountsOf(indicator: IndicatorHealth | undefined): string[] {
  return Object.keys(indicator ?? {})
    .filter((key) => key !== 'status')
    .sort();
}

/** What the health route passes to `isHealthy`: a test sets it before each request. */
export interface HealthSettings {
  key?: string;
  options?: HealthOptions;
}
const HEALTH_SETTINGS = Symbol('HEALTH_SETTINGS');

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly wazapin: WazapinHealthIndicator,
    @Inject(HEALTH_SETTINGS) private readonly settings: HealthSettings,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.wazapin.isHealthy(this.settings.key ?? 'wazapin', this.settings.options)]);
  }
}

@Module({})
class HealthModule {}

/**
 * A module of its own for the health check, as an app would write it: it imports TerminusModule
 * and lists the indicator; the app's WazapinWebhooksModule registrations are elsewhere in the app.
 */
function healthModule(settings: HealthSettings): DynamicModule {
  return {
    module: HealthModule,
    imports: [TerminusModule],
    controllers: [HealthController],
    providers: [WazapinHealthIndicator, { provide: HEALTH_SETTINGS, useValue: settings }],
  };
}

export interface HealthApp {
  app: INestApplication;
  url: string;
  logger: RecordingLogger;
  /** The app's indicator, to call `isHealthy` directly. */
  indicator: WazapinHealthIndicator;
  /** `GET /health`, the route calling `isHealthy('wazapin', options)`. */
  health(options?: HealthOptions): Promise<HealthResponse>;
  /** Posts a signed `message.status_update` delivery to `/{path}/message.status_update`; answers the status. */
  deliver(secret: string, id: string, path?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Boots a real Nest app (`rawBody`, listening on loopback) whose root module imports the given
 * WazapinWebhooksModule registrations and a health module with TerminusModule. Boot failures
 * reject (`abortOnError: false`); the app is closed then.
 */
export async function startHealthApp(registrations: ModuleMetadata['imports'], adapter: AdapterName = 'express'): Promise<HealthApp> {
  const settings: HealthSettings = {};

  @Module({ imports: [...(registrations ?? []), healthModule(settings)] })
  class HealthAppModule {}

  const logger = new RecordingLogger();
  const appOptions = { rawBody: true, logger, abortOnError: false };
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(HealthAppModule, new FastifyAdapter(), appOptions)
      : await NestFactory.create(HealthAppModule, appOptions);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    logger,
    indicator: app.get(WazapinHealthIndicator, { strict: false }),
    async health(options) {
      settings.options = options;
      return getHealth(`${url}/health`);
    },
    async deliver(secret, id, path = 'webhooks/wazapin') {
      const signed = signWazapinDelivery({ secret, id, body: statusUpdate(`wamid-${id}`) });
      const response = await fetch(`${url}/${path}/message.status_update`, { method: 'POST', headers: signed.headers, body: signed.body });
      await response.arrayBuffer();
      return response.status;
    },
    close: () => app.close(),
  };
}

export const statusUpdate = (messageId: string) => ({ message_id: messageId, conversation_id: 'conv_1', status: 'delivered', organization_id: 'org_1' });

/** `GET url`, timed; gives up after 10 s, so a route that never answers fails the test saying so. */
export async function getHealth(url: string): Promise<HealthResponse> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const ms = performance.now() - started;
  let body: TerminusBody | undefined;
  try {
    body = JSON.parse(text) as TerminusBody;
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body, ms };
}

/**
 * Asks `health` every `intervalMs` until `done` holds of the answer; answers it with the time from
 * the call. Fails after `timeoutMs`, with the last answer.
 */
export async function pollHealth(
  health: () => Promise<HealthResponse>,
  done: (response: HealthResponse) => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<{ response: HealthResponse; ms: number }> {
  const started = performance.now();
  for (;;) {
    const response = await health();
    const ms = performance.now() - started;
    if (done(response)) {
      return { response, ms };
    }
    if (ms > timeoutMs) {
      throw new Error(`health never reached the expected state within ${timeoutMs} ms; last answer ${response.status} ${response.text}`);
    }
    await pause(intervalMs);
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A custom IdempotencyStore (the in-memory one underneath) whose `ping` a test scripts. */
export class ScriptedStore implements IdempotencyStore {
  private readonly memory = new InMemoryIdempotencyStore();
  pings = 0;
  /** What `ping` does; by default it answers. */
  behaviour: () => Promise<void> = async () => undefined;

  ping(): Promise<void> {
    this.pings++;
    return this.behaviour();
  }
  claim(key: string, leaseSeconds: number): Promise<IdempotencyClaim> {
    return this.memory.claim(key, leaseSeconds);
  }
  complete(key: string, ttlSeconds: number): Promise<void> {
    return this.memory.complete(key, ttlSeconds);
  }
  release(key: string): Promise<void> {
    return this.memory.release(key);
  }
}

/** A custom IdempotencyStore without `ping` (nor any optional method). */
export class PlainStore implements IdempotencyStore {
  private readonly memory = new InMemoryIdempotencyStore();
  claim(key: string, leaseSeconds: number): Promise<IdempotencyClaim> {
    return this.memory.claim(key, leaseSeconds);
  }
  complete(key: string, ttlSeconds: number): Promise<void> {
    return this.memory.complete(key, ttlSeconds);
  }
  release(key: string): Promise<void> {
    return this.memory.release(key);
  }
}

/** Creates and initialises an app of `metadata`; answers the error it failed with, or `undefined` when it booted. */
export async function bootError(metadata: ModuleMetadata): Promise<Error | undefined> {
  @Module(metadata)
  class BootModule {}
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(BootModule, { rawBody: true, logger: new RecordingLogger(), abortOnError: false });
    await app.init();
  } catch (error) {
    await app?.close().catch(() => undefined);
    return error instanceof Error ? error : new Error(String(error));
  }
  await app.close();
  return undefined;
}
