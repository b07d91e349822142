import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { packageRequire } from '../utils/commonjs-scope.cjs';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import type { WazapinRedisConnection } from './wazapin-redis-connection.interface.js';

export type { WazapinRedisConnection } from './wazapin-redis-connection.interface.js';

/** A connection the module opened: to one Redis, or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** How the module tunes a connection it opens, whatever it connects to. */
export interface RedisTuning {
  enableOfflineQueue?: boolean;
  lazyConnect?: boolean;
  maxRetriesPerRequest?: number | null;
  commandTimeout?: number;
}

type RedisClass = new (...args: [string, RedisOptions] | [RedisOptions]) => Redis;

function loadRedisClass(feature: string): RedisClass {
  try {
    return (packageRequire('ioredis') as { Redis: RedisClass }).Redis;
  } catch {
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: ${feature} needs the ioredis package (5.x or 6.x). Install it with \`npm install ioredis\`.`,
    );
  }
}

function isRedisClient(connection: WazapinRedisConnection): connection is RedisClient {
  return typeof connection === 'object' && typeof (connection as Partial<RedisClient>).duplicate === 'function';
}

function isRedisOptions(connection: WazapinRedisConnection): connection is RedisOptions & { url?: unknown } {
  return typeof connection === 'object' && !isRedisClient(connection);
}

/** Whether `connection` is an ioredis `Cluster`. */
export function isRedisCluster(connection: WazapinRedisConnection): connection is Cluster {
  return isRedisClient(connection) && connection.isCluster;
}

/**
 * A copy of `cluster` with `tuning` applied where ioredis reads each setting: the offline queue
 * and connecting are the cluster's, the rest is each node connection's (`redisOptions`). Its
 * `duplicate()` takes startup nodes first; options given there would be taken for nodes.
 */
function duplicateCluster(cluster: Cluster, { enableOfflineQueue, lazyConnect, ...perNode }: RedisTuning): Cluster {
  const options: ClusterOptions = { redisOptions: { ...cluster.options.redisOptions, ...perNode } };
  // An option set to undefined would override the cluster's own.
  if (enableOfflineQueue !== undefined) {
    options.enableOfflineQueue = enableOfflineQueue;
  }
  if (lazyConnect !== undefined) {
    options.lazyConnect = lazyConnect;
  }
  return cluster.duplicate(undefined, options);
}

/**
 * Opens a new connection to `connection` with `tuning` applied. ioredis is loaded here, on
 * first use, so apps that never use Redis need not install it.
 */
export function createRedisClient(connection: WazapinRedisConnection, tuning: RedisTuning, feature: string): RedisClient {
  if (isRedisCluster(connection)) {
    return duplicateCluster(connection, tuning);
  }
  if (isRedisClient(connection)) {
    // Not a Cluster, so a Redis: ioredis types `isCluster` as a plain boolean on both.
    return (connection as Redis).duplicate(tuning);
  }
  const Redis = loadRedisClass(feature);
  if (typeof connection === 'string') {
    return new Redis(connection, tuning);
  }
  if (!isRedisOptions(connection)) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: ${feature} needs a Redis URL, ioredis options or an ioredis client`);
  }
  // BullMQ's connection options may carry a `url`, which ioredis takes only as an argument.
  const { url, ...options } = connection;
  return typeof url === 'string' ? new Redis(url, { ...options, ...tuning }) : new Redis({ ...options, ...tuning });
}

/** A connection that fails fast while Redis is down, see {@link createFailFastRedisClient}. */
export interface FailFastRedis {
  readonly client: RedisClient;
  /**
   * Resolves once the connection has been ready, or after the command timeout if it never
   * was. Waiting covers the app's first requests while it connects; later outages fail at once.
   */
  connected(): Promise<void>;
}

/**
 * Opens a connection for work done within an HTTP request: no offline queue, one retry and
 * a command timeout, so a command fails at once while Redis is down instead of waiting for it,
 * and the delivery gets its 503. Errors are left to the commands: without a listener ioredis
 * would print each reconnection attempt.
 */
export function createFailFastRedisClient(connection: WazapinRedisConnection, commandTimeout: number, feature: string): FailFastRedis {
  const client = createRedisClient(
    connection,
    { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout, lazyConnect: false },
    feature,
  );
  client.on('error', () => undefined);
  let opened = false;
  const ready = new Promise<void>((resolve) => client.once('ready', resolve)).then(() => {
    opened = true;
  });
  return {
    client,
    connected: async () => {
      if (opened) {
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, commandTimeout);
      });
      await Promise.race([ready, timeout]);
      clearTimeout(timer);
    },
  };
}

/** Closes a connection the module opened: politely when Redis is up, at once when it is not. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const ended = new Promise((resolve) => client.once('end', resolve));
  try {
    await client.quit();
    await ended;
  } catch {
    client.disconnect();
  }
}
