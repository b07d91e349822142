import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../api/api-test-kit.js';

/** A redis-server this process started, on a loopback port, that a test can stop and start again. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** Stops the server; with `persistent`, the data stays on disk for the next {@link start}. */
  stop(): Promise<void>;
  /** Stops the server and deletes its files. */
  close(): Promise<void>;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const hasRedisServer = onPath('redis-server');

/** Why tests that need some Redis cannot run here; `undefined` when they can. */
export const redisMissing: string | undefined =
  process.env.REDIS_URL || hasRedisServer ? undefined : 'needs Redis: set REDIS_URL or put redis-server on the PATH';
/** Why tests that stop and restart their own redis-server cannot run here; `undefined` when they can. */
export const redisServerMissing: string | undefined = hasRedisServer ? undefined : 'needs redis-server on the PATH';

/**
 * `describe` when `missing` is undefined. Otherwise the suite is skipped with the reason, or,
 * with `CI` set, replaced by a failing test, since CI must run every suite.
 */
export function describeIf(missing: string | undefined): (name: string, body: () => void) => void {
  if (missing === undefined) {
    return describe;
  }
  if (process.env.CI) {
    return (name) =>
      describe(name, () => {
        it('runs', () => {
          throw new Error(`CI is set but this suite ${missing}`);
        });
      });
  }
  return (name, body) => {
    process.stderr.write(`Skipping "${name}": ${missing}\n`);
    describe.skip(name, body);
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts `redis-server` on a free loopback port. Without `persistent` it keeps nothing on
 * disk; with it, every write is appended and fsynced, so data outlives a stop and start.
 */
export async function startRedisServer(options: { persistent?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wazapin-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push(...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      process.once('exit', killOnExit);
      const deadline = Date.now() + 10_000;
      while (!(await ping(port))) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`redis-server did not start on port ${port}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      process.removeListener('exit', killOnExit);
      if (running && running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await exited;
      }
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** Redis for a suite: `REDIS_URL` when set, else a redis-server started for it. */
export async function useRedis(): Promise<{ url: string; close(): Promise<void> }> {
  if (process.env.REDIS_URL) {
    return { url: process.env.REDIS_URL, close: async () => undefined };
  }
  return startRedisServer();
}

/** A key prefix of its own for one test, so suites sharing a `REDIS_URL` never meet. */
export function uniquePrefix(label: string): string {
  return `wazapin-test:${label}:${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix`, leaving the rest of a shared Redis alone. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await client.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
