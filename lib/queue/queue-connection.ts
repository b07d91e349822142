import type { ModuleRef } from '@nestjs/core';
import { isRedisCluster, type WazapinRedisConnection } from '../redis/wazapin-redis-connection.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { loadNestBullMQ } from './load-bullmq.js';
import type { ResolvedWazapinQueueOptions } from './wazapin-queue.config.js';

/** Where the queue lives in Redis. */
export interface QueueConnection {
  connection: WazapinRedisConnection;
  prefix?: string;
}

/**
 * The queue's prefix on a Redis Cluster unless one is set: hash-tagged, so every key of the queue
 * is in one slot, as BullMQ's scripts need. Elsewhere BullMQ's own default (`bull`) stays.
 */
const CLUSTER_PREFIX = '{wazapin}';

interface BullSettings {
  connection?: WazapinRedisConnection;
  prefix?: string;
}

function lookUp(moduleRef: ModuleRef, token: string): BullSettings | undefined {
  try {
    return moduleRef.get<BullSettings>(token, { strict: false });
  } catch {
    return undefined;
  }
}

/** Whether Redis Cluster hashes a key starting with `prefix` by a tag in it: `{…}`, not empty, its first `{`. */
function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  const close = prefix.indexOf('}', open + 1);
  return open !== -1 && close > open + 1;
}

/** On a Redis Cluster, the prefix defaults to {@link CLUSTER_PREFIX} and must have a hash tag. */
function clusterSafe(queue: QueueConnection): QueueConnection {
  if (!isRedisCluster(queue.connection)) {
    return queue;
  }
  const prefix = queue.prefix ?? CLUSTER_PREFIX;
  if (!hasHashTag(prefix)) {
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: the queue prefix "${prefix}" has no {hash tag}, which BullMQ needs on a Redis Cluster to keep a queue's keys in one slot; use e.g. "{${prefix}}", or set no prefix for the default "${CLUSTER_PREFIX}".`,
    );
  }
  return { connection: queue.connection, prefix };
}

/**
 * The queue's connection: the one in the module's options, else the app's `@nestjs/bullmq`
 * settings for a queue of that name (`BullModule.registerQueue`), else `BullModule.forRoot`'s.
 */
export async function resolveQueueConnection(options: ResolvedWazapinQueueOptions, moduleRef: ModuleRef): Promise<QueueConnection> {
  if (options.connection !== undefined) {
    return clusterSafe({ connection: options.connection, prefix: options.prefix });
  }
  const nestBullMQ = await loadNestBullMQ();
  const settings = nestBullMQ
    ? (lookUp(moduleRef, nestBullMQ.getQueueOptionsToken(options.name)) ?? lookUp(moduleRef, nestBullMQ.getSharedConfigToken()))
    : undefined;
  if (settings?.connection === undefined) {
    throw new WazapinConfigurationError(
      "WazapinWebhooksModule: dispatch 'queue' needs a Redis: set queue.connection, or configure @nestjs/bullmq (BullModule.forRoot) in the app.",
    );
  }
  return clusterSafe({ connection: settings.connection, prefix: options.prefix ?? settings.prefix });
}
