import 'reflect-metadata';
import { Injectable, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { OnWazapinEvent, type WazapinEventType } from '../../lib/index.js';
import { BackgroundDispatcher } from '../../lib/dispatch/background.dispatcher.js';
import { WAZAPIN_DISPATCHER } from '../../lib/wazapin-webhooks.constants.js';
import { deliverWazapinEvent, generateWazapinSecret, sampleWazapinPayload, WazapinEmulator } from '../../lib/testing/index.js';

/**
 * What the README's examples run in, as the README describes their setting: the environment
 * variables it names, pointing at a local Wazapin emulator and Redis.
 */

/** Calls made to stand-ins of things the examples call yours (a secrets manager, Sentry). */
export const recorded: unknown[][] = [];

/** The environment the examples read, set before any example code runs. */
export async function prepareEnvironment(): Promise<WazapinEmulator> {
  process.env.WAZAPIN_WEBHOOK_SECRET ??= generateWazapinSecret();
  // The agency example's client accounts, each with its own endpoint secret and API key.
  process.env.ACME_WEBHOOK_SECRET ??= generateWazapinSecret();
  process.env.GLOBEX_WEBHOOK_SECRET ??= generateWazapinSecret();
  const emulator = await WazapinEmulator.start({ retryScale: 0.00001 });
  // The message.new the README's getMessage example reads, as the platform's own example names it.
  emulator.publish('message.new', sampleWazapinPayload('message.new', { message_id: '9f1fd66d-c37a-4b50-a8c2-b4dca523f9c8' }), { message: { text: 'Halo' } });
  process.env.ACME_API_KEY = emulator.apiKey;
  process.env.WAZAPIN_API_KEY = emulator.apiKey;
  process.env.WAZAPIN_API_BASE_URL = emulator.baseUrl;
  return emulator;
}

/** A handler that always fails, so examples that report failures have one to report. */
@Injectable()
export class AlwaysFailingHandler {
  @OnWazapinEvent('conversation.updated')
  fail(): void {
    throw new Error('failing on purpose, for the README example');
  }
}

/**
 * Boots `module` as an app, delivers one signed event of each type to the webhook route, and
 * requires a 2xx for each, or the given status.
 */
export async function serve(module: Type<unknown>, deliveries: { type: WazapinEventType; status?: number }[]): Promise<void> {
  const app = await NestFactory.create(module, { rawBody: true, logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
    for (const { type, status } of deliveries) {
      const result = await deliverWazapinEvent({
        url: `http://127.0.0.1:${port}/webhooks/wazapin`,
        secret: process.env.WAZAPIN_WEBHOOK_SECRET,
        type,
      });
      if (result.status !== (status ?? 200)) {
        throw new Error(`a ${type} delivery was answered ${result.status}: ${JSON.stringify(result.body)}`);
      }
    }
    const dispatcher: unknown = app.get(WAZAPIN_DISPATCHER, { strict: false });
    if (dispatcher instanceof BackgroundDispatcher) {
      await dispatcher.settled();
    }
  } finally {
    await app.close();
  }
}
