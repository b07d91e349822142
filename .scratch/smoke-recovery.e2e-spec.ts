import { Injectable } from '@nestjs/common';
import { InMemoryIdempotencyStore, OnWazapinEvent, WazapinWebhooksModule, type WazapinEvent } from '../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload, WazapinEmulator } from '../lib/testing/index.js';
import { freePort } from '../test/support/free-port.js';
import { waitUntil } from '../test/support/wait-until.js';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { RecordingLogger } from '../test/support/webhook-app.js';

const counts = new Map<string, number>();
@Injectable()
class H {
  @OnWazapinEvent('message.status_update')
  on(e: WazapinEvent) { counts.set(e.id, (counts.get(e.id) ?? 0) + 1); }
}

it('smoke', async () => {
  const emulator = await WazapinEmulator.start({ retrySchedule: [0, 0] });
  const port = await freePort();
  const secret = generateWazapinSecret();
  const { WazapinWebhooksApiService } = await import('../lib/index.js');
  const api = new WazapinWebhooksApiService({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
  await api.createEndpoint({ url: `http://127.0.0.1:${port}/webhooks/wazapin/message.status_update`, secret });
  const store = new InMemoryIdempotencyStore();
  const boot = async (recovery: boolean) => {
    @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline', idempotency: { store }, api: { apiKey: emulator.apiKey, baseUrl: emulator.baseUrl }, ...(recovery ? { recovery: { onStartup: true } } : {}) })], providers: [H] })
    class M {}
    const logger = new RecordingLogger();
    const app = await NestFactory.create(M, { rawBody: true, logger });
    await app.listen(port, '127.0.0.1');
    return { app, logger };
  };
  const one = await boot(false);
  for (let i = 0; i < 5; i++) emulator.publish('message.status_update', sampleWazapinPayload('message.status_update'));
  await emulator.settled();
  expect(counts.size).toBe(5);
  await one.app.close();
  for (let i = 0; i < 300; i++) emulator.publish('message.status_update', sampleWazapinPayload('message.status_update'));
  await emulator.settled();
  expect(counts.size).toBe(5);
  const two = await boot(true);
  await waitUntil('recovered', () => counts.size === 305, 30_000);
  await emulator.settled();
  console.log(two.logger.lines.filter((l) => /Recover/.test(l.message)).map((l) => l.message));
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
  await two.app.close();
  await emulator.close();
}, 60_000);
