import { join } from 'node:path';
import { Redis } from 'ioredis';
import { signWazapinDelivery } from '../../lib/testing/index.js';
import { BUILD_DIR, ensureCompiled } from './compiled.js';
import { deleteKeys, uniquePrefix, useRedis } from './redis.js';
import { WatchedProcess } from './watched-process.js';

/** One `test/fixtures/scale-instance.ts` app running in a child process. */
export interface ScaleInstance {
  readonly name: string;
  readonly url: string;
  readonly process: WatchedProcess;
}

/** Starts an instance named `name` with the fixture's settings in `env`; resolves once it listens. */
async function startScaleInstance(name: string, env: Record<string, string>): Promise<ScaleInstance> {
  ensureCompiled();
  const child = new WatchedProcess(process.execPath, [join(BUILD_DIR, 'test', 'fixtures', 'scale-instance.js')], {
    env: { ...env, INSTANCE: name },
  });
  const [, port] = await child.waitFor(/listening on (\d+)/);
  return { name, url: `http://127.0.0.1:${port}/webhooks/wazapin/message.status_update`, process: child };
}

/** A suite's Redis and the instances it runs on it. */
export interface Fleet {
  readonly redisUrl: string;
  /** A connection for the test's own reads. */
  readonly inspect: Redis;
  /** Prefix of every key the suite's instances write. */
  readonly keyPrefix: string;
  /** Starts instances with these names, the fleet's Redis and key prefix, and `env`. */
  start(names: readonly string[], env: Record<string, string>): Promise<ScaleInstance[]>;
  /** The handler runs the instances recorded in `list`. */
  runs(list: 'started' | 'handled'): Promise<HandlerRun[]>;
}

/**
 * A {@link Fleet} for the enclosing `describe`: Redis is set up before its tests; afterwards any
 * instance still running is killed and the fleet's keys are deleted.
 */
export function useFleet(label: string): Fleet {
  let redis: { url: string; close(): Promise<void> };
  let inspect: Redis;
  const keyPrefix = uniquePrefix(label);
  const instances: ScaleInstance[] = [];
  beforeAll(async () => {
    redis = await useRedis();
    inspect = new Redis(redis.url);
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.process.stop('SIGKILL')));
    await deleteKeys(redis.url, keyPrefix);
    inspect.disconnect();
    await redis.close();
  });
  return {
    get redisUrl() {
      return redis.url;
    },
    get inspect() {
      return inspect;
    },
    keyPrefix,
    async start(names, env) {
      const started = await Promise.all(
        names.map((name) => startScaleInstance(name, { REDIS_URL: redis.url, KEY_PREFIX: keyPrefix, ...env })),
      );
      instances.push(...started);
      return started;
    },
    runs: (list) => handlerRuns(inspect, keyPrefix, list),
  };
}

/** A handler run the instances recorded. */
export interface HandlerRun {
  instance: string;
  id: string;
}

/** The runs the instances recorded in `list` (`started` or `handled`), in order. */
async function handlerRuns(redis: Redis, keyPrefix: string, list: 'started' | 'handled'): Promise<HandlerRun[]> {
  const entries = await redis.lrange(`${keyPrefix}:${list}`, 0, -1);
  return entries.map((entry) => {
    const [instance, id] = entry.split(' ');
    return { instance, id };
  });
}

/** How many times each value occurs. */
export function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) {
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** What {@link sendAsPlatform} saw. */
export interface SendReport {
  /** Answers by status, over every attempt. */
  statuses: Map<number, number>;
  /** Delivery ids acknowledged (2xx), first acknowledgement each. */
  acknowledged: Set<string>;
  /** Acknowledgements that said the delivery was a duplicate. */
  duplicates: number;
  /** Attempts that reached no server. */
  unreachable: number;
}

/**
 * Sends each `{ id, body }` as the platform would: signed afresh on every attempt (same id, new
 * timestamp), `concurrency` at a time, each to a target picked at random, retrying whatever is
 * not acknowledged (409, 5xx, refused connection) after `retryDelayMs`, until all are.
 */
export async function sendAsPlatform(
  deliveries: readonly { id: string; body: object }[],
  targets: () => readonly string[],
  options: { secret: string; concurrency: number; retryDelayMs?: number; maxAttempts?: number },
): Promise<SendReport> {
  const report: SendReport = { statuses: new Map(), acknowledged: new Set(), duplicates: 0, unreachable: 0 };
  const queue = [...deliveries];
  const maxAttempts = options.maxAttempts ?? 50;
  const attempt = async (delivery: { id: string; body: object }, tries: number): Promise<void> => {
    const urls = targets();
    const url = urls[Math.floor(Math.random() * urls.length)];
    const signed = signWazapinDelivery({ secret: options.secret, id: delivery.id, body: delivery.body });
    let status = 0;
    let text = '';
    try {
      const response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
      status = response.status;
      text = await response.text();
    } catch {
      report.unreachable++;
    }
    report.statuses.set(status, (report.statuses.get(status) ?? 0) + 1);
    if (status >= 200 && status < 300) {
      report.acknowledged.add(delivery.id);
      report.duplicates += text.includes('"duplicate":true') ? 1 : 0;
      return;
    }
    if (tries + 1 >= maxAttempts) {
      throw new Error(`Delivery ${delivery.id} not acknowledged after ${maxAttempts} attempts (last status ${status})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 50));
    await attempt(delivery, tries + 1);
  };
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      await attempt(next, 0);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return report;
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
