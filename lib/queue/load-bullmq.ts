import { WazapinConfigurationError } from '../wazapin-configuration.error.js';

/** The part of the `bullmq` package the queue uses. */
export type BullMQ = typeof import('bullmq');
/** The part of `@nestjs/bullmq` the queue uses to find the app's own BullMQ settings. */
export type NestBullMQ = Pick<typeof import('@nestjs/bullmq'), 'getQueueOptionsToken' | 'getSharedConfigToken'>;

/** Loads `bullmq` on first use of `dispatch: 'queue'`, so other apps need not install it. */
export async function loadBullMQ(): Promise<BullMQ> {
  try {
    return await import('bullmq');
  } catch {
    throw new WazapinConfigurationError(
      "WazapinWebhooksModule: dispatch 'queue' needs the bullmq and ioredis packages. Install them with `npm install bullmq ioredis`.",
    );
  }
}

/** Loads `@nestjs/bullmq` when the app has it, for its BullMQ settings; `undefined` when it does not. */
export async function loadNestBullMQ(): Promise<NestBullMQ | undefined> {
  try {
    return await import('@nestjs/bullmq');
  } catch {
    return undefined;
  }
}
