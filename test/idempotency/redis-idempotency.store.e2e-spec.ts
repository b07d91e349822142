import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { OnWazapinEvent, RedisIdempotencyStore, WazapinWebhooksModule } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, redisServerMissing, startRedisServer, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { startTestApp } from '../support/webhook-app.js';

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

  /**
   * The commands Redis receives from clients while `run` runs, as MONITOR shows them, that
   * touch a key under the test's prefix; the commands scripts run inside Redis left out.
   */
  async function commandsReceived(run: () => Promise<unknown>): Promise<string[][]> {
    const monitor = await inspect.monitor();
    const received: string[][] = [];
    const marker = `${prefix}monitor-marker`;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((arg) => arg.startsWith(prefix))) {
        received.push(args);
      }
    });
    try {
      await run();
      // MONITOR lines come in order: once the marker's is in, every earlier command's is.
      await inspect.exists(marker);
      await waitUntil('MONITOR to show the marker', () => received.some((args) => args.includes(marker)));
    } finally {
      monitor.disconnect();
    }
    return received.filter((args) => !args.includes(marker)).map(([name, ...args]) => [name.toLowerCase(), ...args]);
  }

  it("claims a delivery's two keys in one command, completes them in one, and releases them in one", async () => {
    const s = store();
    const keys = ['delivery:message.new:dlv_1', 'message:message.new:wamid-1'];
    const redisKeys = keys.map((key) => prefix + key);
    // ioredis sends a script as EVAL the first time on a connection, then as EVALSHA.
    const script = expect.stringMatching(/^eval(sha)?$/);
    const lease = expect.stringMatching(/^processing:/);
    for (const round of [1, 2]) {
      const claim = await commandsReceived(() => s.claimAll(keys, 60));
      expect({ round, claim }).toEqual({ round, claim: [[script, expect.any(String), '2', ...redisKeys, '60', lease]] });
      const complete = await commandsReceived(() => s.completeAll(keys, 3600));
      expect({ round, complete }).toEqual({ round, complete: [[script, expect.any(String), '2', ...redisKeys, '3600']] });
      expect(await inspect.mget(...redisKeys)).toEqual(['done', 'done']);
      await inspect.del(...redisKeys);
    }
    expect(await commandsReceived(() => s.claimAll(keys, 60))).toHaveLength(1);
    expect(await commandsReceived(() => s.releaseAll(keys))).toEqual([[script, expect.any(String), '2', ...redisKeys, lease, lease]]);
    expect(await inspect.exists(...redisKeys)).toBe(0);
    // A conflict is one command too, where SET NX then GET took two.
    await s.claim(keys[1], 60);
    expect(await commandsReceived(async () => expect(await s.claimAll(keys, 60)).toBe('processing'))).toHaveLength(1);
    expect(await commandsReceived(async () => expect(await s.claim(keys[1], 60)).toBe('processing'))).toHaveLength(1);
  });

  it("through the module's route: a delivery's two keys are claimed in one command and completed in one", async () => {
    const secret = generateWazapinSecret();
    let handled = 0;
    @Injectable()
    class Statuses {
      @OnWazapinEvent('message.status_update')
      onStatus() {
        handled++;
      }
    }
    const app = await startTestApp('express', {
      imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline', idempotency: { store: store() } })],
      providers: [Statuses],
    });
    try {
      const body = { message_id: 'wamid-rt', conversation_id: 'conv_1', status: 'read', organization_id: 'org_1' };
      const route = '/webhooks/wazapin/message.status_update';
      const received = await commandsReceived(async () => expect((await app.deliver({ secret, id: 'dlv_rt', body }, route)).status).toBe(200));
      // The time of the last accepted delivery (for recovery.onStartup) is written at most every 10 s, not per delivery.
      const commands = received.filter((args) => !args.some((arg) => arg.endsWith('recovery:last-accepted')));
      expect(received.length - commands.length).toBeLessThanOrEqual(1);
      const keys = [`${prefix}delivery:message.status_update:dlv_rt`, `${prefix}message:message.status_update:wamid-rt:read`];
      expect(commands).toEqual([
        [expect.stringMatching(/^eval(sha)?$/), expect.any(String), '2', ...keys, expect.any(String), expect.stringMatching(/^processing:/)],
        [expect.stringMatching(/^eval(sha)?$/), expect.any(String), '2', ...keys, expect.any(String)],
      ]);
      expect(handled).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('sends the claims made in one turn of the event loop in one command, each answered as if alone', async () => {
    const s = store();
    await s.complete('handled', 3600);
    const commands = await commandsReceived(async () => {
      const answers = await Promise.all([s.claimAll(['a', 'b'], 60), s.claimAll(['b', 'c'], 60), s.claimAll(['handled', 'd'], 60), s.claim('e', 30)]);
      expect(answers).toEqual(['claimed', 'processing', 'done', 'claimed']);
    });
    expect(commands).toHaveLength(1);
    const [a, b, c, d, e] = await inspect.mget(...['a', 'b', 'c', 'd', 'e'].map((key) => prefix + key));
    expect(a).toMatch(/^processing:/);
    expect(b).toBe(a);
    expect([c, d]).toEqual([null, null]);
    expect(e).toMatch(/^processing:/);
    expect(e).not.toBe(a);
    expect(await inspect.ttl(prefix + 'e')).toBeLessThanOrEqual(30);

    const completions = await commandsReceived(() => Promise.all([s.completeAll(['a', 'b'], 3600), s.completeAll(['e'], 60)]));
    expect(completions).toHaveLength(1);
    expect(await inspect.mget(prefix + 'a', prefix + 'b', prefix + 'e')).toEqual(['done', 'done', 'done']);
    expect(await inspect.ttl(prefix + 'a')).toBeGreaterThan(3590);
    expect(await inspect.ttl(prefix + 'e')).toBeLessThanOrEqual(60);
    // The batch's leases are this store's: releasing what it no longer holds sends nothing, and c was never leased.
    expect(await commandsReceived(() => s.releaseAll(['a', 'c']))).toEqual([]);
  });

  it('withdraws a claim that timed out while Redis stalled, so the retry is not answered 409 for a lease (found by an outside attack)', async () => {
    const s = store({ commandTimeoutMs: 200 });
    // Connected first, so the stall hits the claim itself.
    expect(await s.claim('warm-up', 1)).toBe('claimed');
    await inspect.client('PAUSE', '600', 'ALL');
    await expect(s.claimAll(['stalled-a', 'stalled-b'], 300)).rejects.toThrow(/timed out/i);
    await waitUntil('Redis to answer again', async () => (await inspect.ping()) === 'PONG');
    await waitUntil('the withdrawal to run', async () => (await inspect.exists(prefix + 'stalled-a', prefix + 'stalled-b')) === 0);
    expect(await s.claimAll(['stalled-a', 'stalled-b'], 300)).toBe('claimed');
  });

  it('sends the completions and releases on their way before it closes (found by an outside attack: releases were dropped)', async () => {
    const s = store();
    await s.claimAll(['closing-a', 'closing-b'], 60);
    await s.claim('closing-c', 60);
    await s.claim('closing-d', 60);
    const settling = [s.completeAll(['closing-a', 'closing-b'], 3600), s.release('closing-c'), s.complete('closing-d', 3600)];
    await s.close();
    await Promise.all(settling);
    expect(await inspect.mget(...['a', 'b', 'c', 'd'].map((key) => `${prefix}closing-${key}`))).toEqual(['done', 'done', null, 'done']);
  });

  it('fails every claim of a batch when Redis fails it, and the next batch goes through', async () => {
    const s = store({ commandTimeoutMs: 200 });
    await inspect.set(prefix + 'busy', 'not a lease', 'EX', 60);
    // Redis holds every client's commands for 400 ms: each claim's command times out after 200.
    await inspect.client('PAUSE', '400', 'ALL');
    const answers = await Promise.allSettled([s.claimAll(['p', 'q'], 60), s.claim('r', 60)]);
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected']);
    await waitUntil('Redis to answer again', async () => (await inspect.ping()) === 'PONG');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await Promise.all([s.claimAll(['p', 'q'], 60), s.claim('busy', 60)])).toEqual(['claimed', 'processing']);
  });

  it('sends nothing to release keys it holds no lease of', async () => {
    const s = store();
    await s.complete('delivery:completed', 60);
    expect(await commandsReceived(() => s.releaseAll(['delivery:never', 'delivery:completed']))).toEqual([]);
    expect(await commandsReceived(() => s.release('delivery:never'))).toEqual([]);
  });

  it('writes a lease of its own for each claim, and forgets it once the key is completed or released', async () => {
    const s = store();
    const leases = (s as unknown as { leases: Map<string, unknown> }).leases;
    await s.claimAll(['delivery:a', 'message:a'], 60);
    await s.claim('delivery:b', 60);
    const [a, messageA, b] = await inspect.mget(`${prefix}delivery:a`, `${prefix}message:a`, `${prefix}delivery:b`);
    expect(a).toMatch(/^processing:[\w-]+:\w+$/);
    expect(messageA).toBe(a);
    expect(b).toMatch(/^processing:/);
    expect(b).not.toBe(a);
    expect(leases.size).toBe(3);
    await s.completeAll(['delivery:a', 'message:a'], 60);
    await s.release('delivery:b');
    expect(leases.size).toBe(0);
    // A claim that finds its key taken keeps nothing.
    expect(await s.claimAll(['delivery:c', 'delivery:a'], 60)).toBe('done');
    expect(leases.size).toBe(0);
  });

  it('forgets the leases of claims never settled once Redis has expired them', async () => {
    const s = store();
    const leases = (s as unknown as { leases: Map<string, unknown> }).leases;
    await Promise.all(Array.from({ length: 1023 }, (_, i) => s.claim(`delivery:unsettled-${i}`, 1)));
    expect(leases.size).toBe(1023);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await s.claimAll(['delivery:next', 'message:next'], 60);
    expect([...leases.keys()]).toEqual(['delivery:next', 'message:next']);
  });

  it("meets the plain 'processing' leases of earlier versions as taken, and leaves them to expire", async () => {
    const s = store();
    await inspect.set(`${prefix}delivery:old`, 'processing', 'EX', 60);
    expect(await s.claim('delivery:old', 60)).toBe('processing');
    expect(await s.claimAll(['delivery:new', 'delivery:old'], 60)).toBe('processing');
    expect(await s.isDone('delivery:old')).toBe(false);
    await s.release('delivery:old');
    await s.releaseAll(['delivery:new', 'delivery:old']);
    expect(await inspect.get(`${prefix}delivery:old`)).toBe('processing');
    expect(await inspect.exists(`${prefix}delivery:new`)).toBe(0);
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
