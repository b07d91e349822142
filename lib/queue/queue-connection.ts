import type { ModuleRef } from '@nestjs/core';
import type { WazapinRedisConnection } from '../redis/wazapin-redis-connection.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { loadNestBullMQ } from './load-bullmq.js';
import type { ResolvedWazapinQueueOptions } from './wazapin-queue.config.js';

/** Where the queue lives in Redis. */
export interface QueueConnection {
  connection: WazapinRedisConnection;
  prefix?: string;
}

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

/**
 * The queue's connection: the one in the module's options, else the app's `@nestjs/bullmq`
 * settings for a queue of that name (`BullModule.registerQueue`), else `BullModule.forRoot`'s.
 */
export async function resolveQueueConnection(options: ResolvedWazapinQueueOptions, moduleRef: ModuleRef): Promise<QueueConnection> {
  if (options.connection !== undefined) {
    return { connection: options.connection, prefix: options.prefix };
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
  return { connection: settings.connection, prefix: options.prefix ?? settings.prefix };
}
