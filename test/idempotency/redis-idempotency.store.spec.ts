import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { RedisIdempotencyStore, WazapinWebhooksModule } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, redisServerMissing, startRedisServer, uniquePrefix, useRedis } from '../support/redis.js';

describeIf(redisMissing)('RedisIdempotencyStore', () => {
  let redis: { url: string; close(): Promise<void> };
  let inspect: Redis;
  let prefix: string;
  const stores: RedisIdempotencyStore[] = [];
  const store = (options: ConstructorParameters<typeof RedisIdempotencyStore>[1] = {}) => {
    const created = new RedisIdempotencyStore(redis.url, { keyPrefix: prefix, ...options });
    stores.push(created);
    return created;
  };

  beforeAll(async () => {
    redis = await useRedis();
    inspect = new Redis(redis.url);
  });
  beforeEach(() => {
    prefix = `${uniquePrefix('store')}:`;
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    inspect.disconnect();
    await redis.close();
  });

  it('claims a key once, reports it processing, then done for the TTL once completed', async () => {
    const s = store();
    expect(await s.claim('delivery:a', 60)).toBe('claimed');
    expect(await s.claim('delivery:a', 60)).toBe('processing');
    expect(await inspect.ttl(`${prefix}delivery:a`)).toBeGreaterThan(55);

    await s.complete('delivery:a', 3600);
    expect(await s.claim('delivery:a', 60)).toBe('done');
    const ttl = await inspect.ttl(`${prefix}delivery:a`);
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('is one claim across stores, as across instances: of 50 concurrent claims exactly one wins', async () => {
    const fleet = [store(), store(), store()];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => fleet[i % 3].claim('delivery:race', 60)));
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'processing')).toHaveLength(49);
  });

  it('lets a retry through once the lease of a holder that died has expired', async () => {
    const s = store();
    expect(await s.claim('delivery:dead-holder', 1)).toBe('claimed');
    while ((await inspect.exists(`${prefix}delivery:dead-holder`)) === 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await s.claim('delivery:dead-holder', 1)).toBe('claimed');
  });

  it('release frees a lease for the retry, but never erases a done marker', async () => {
    const s = store();
    await s.claim('delivery:released', 60);
    await s.release('delivery:released');
    expect(await s.claim('delivery:released', 60)).toBe('claimed');

    await s.complete('delivery:released', 60);
    await s.release('delivery:released');
    expect(await s.claim('delivery:released', 60)).toBe('done');
  });

  it('keeps apps with different prefixes apart on one Redis', async () => {
    const other = new RedisIdempotencyStore(redis.url, { keyPrefix: `${prefix}other:` });
    stores.push(other);
    await store().complete('delivery:shared', 60);
    expect(await other.claim('delivery:shared', 60)).toBe('claimed');
    expect((await inspect.keys(`${prefix}*`)).sort()).toEqual([`${prefix}delivery:shared`, `${prefix}other:delivery:shared`]);
  });

  it('takes a client, whose settings it copies into a connection of its own, left open on close', async () => {
    const client = new Redis(redis.url, { connectionName: 'app-client' });
    const s = new RedisIdempotencyStore(client, { keyPrefix: prefix });
    expect(await s.claim('delivery:client', 60)).toBe('claimed');
    expect(await (s.client as Redis).client('GETNAME')).toBe('app-client');
    expect(s.client).not.toBe(client);
    await s.close();
    expect(s.client.status).toBe('end');
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('takes ioredis options', async () => {
    const { hostname, port } = new URL(redis.url);
    const s = new RedisIdempotencyStore({ host: hostname, port: Number(port) }, { keyPrefix: prefix });
    stores.push(s);
    expect(await s.claim('delivery:options', 60)).toBe('claimed');
  });

  it('closes its connection when the app using it shuts down', async () => {
    const s = new RedisIdempotencyStore(redis.url, { keyPrefix: prefix });
    @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: generateWazapinSecret(), idempotency: { store: s } })] })
    class StoreAppModule {}
    const app = await NestFactory.createApplicationContext(StoreAppModule, { logger: false });
    expect(await s.claim('delivery:app', 60)).toBe('claimed');
    await app.close();
    expect(s.client.status).toBe('end');
  });

  it('rejects a non-positive command timeout', () => {
    expect(() => new RedisIdempotencyStore(redis.url, { commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs must be a positive number/);
  });
});

describeIf(redisServerMissing)('RedisIdempotencyStore when Redis goes away', () => {
  it('fails each command at once instead of queueing it, and works again once Redis is back', async () => {
    const server = await startRedisServer();
    const s = new RedisIdempotencyStore(server.url);
    try {
      expect(await s.claim('delivery:before', 60)).toBe('claimed');
      await server.stop();
      // Were commands queued while disconnected, these would hang until Redis came back.
      await expect(s.claim('delivery:during', 60)).rejects.toThrow();
      await expect(s.complete('delivery:before', 60)).rejects.toThrow();
      await server.start();
      let result: string | undefined;
      while (result === undefined) {
        result = await s.claim('delivery:after', 60).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(result).toBe('claimed');
    } finally {
      await s.close();
      await server.close();
    }
  });
});
