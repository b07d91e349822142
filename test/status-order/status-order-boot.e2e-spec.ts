import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WazapinConfigurationError, WazapinWebhooksModule, type IdempotencyClaim, type IdempotencyStore } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';

/** A store of the app's own, as the README shows, written before there were status ranks. */
class KeyOnlyStore implements IdempotencyStore {
  private readonly keys = new Map<string, string>();
  async claim(key: string): Promise<IdempotencyClaim> {
    const held = this.keys.get(key);
    if (held) {
      return held === 'done' ? 'done' : 'processing';
    }
    this.keys.set(key, 'processing');
    return 'claimed';
  }
  async complete(key: string): Promise<void> {
    this.keys.set(key, 'done');
  }
  async release(key: string): Promise<void> {
    this.keys.delete(key);
  }
}

async function bootError(store: IdempotencyStore): Promise<unknown> {
  @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: generateWazapinSecret(), statusOrder: 'drop', idempotency: { store } })] })
  class BootModule {}
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(BootModule, { logger: false, abortOnError: false });
    await app.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await app?.close().catch(() => undefined);
  }
}

it('statusOrder with a store that keeps no status ranks fails boot, naming the store and the methods it lacks', async () => {
  const error = await bootError(new KeyOnlyStore());
  expect(error).toBeInstanceOf(WazapinConfigurationError);
  expect((error as Error).message).toMatch(/statusOrder needs an idempotency store with claimStatus, completeStatus, releaseStatus and statusRank; KeyOnlyStore/);
});
