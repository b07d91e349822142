import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Cluster, type Command } from 'ioredis';
import { RedisIdempotencyStore, WazapinConfigurationError, WazapinWebhooksModule } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { describeIf, uniquePrefix } from '../support/redis.js';
import { redisClusterMissing, startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { recordingHandler } from '../support/recording-handler.js';
import { waitUntil } from '../support/wait-until.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const QUEUE = 'wazapin-webhooks';
const ROUTE = '/webhooks/wazapin/message.status_update';

const { Handler: StatusHandler, handled } = recordingHandler('message.status_update');

describeIf(redisClusterMissing)('a Redis Cluster of three masters', () => {
  let redisCluster: RedisCluster;
  /** The app's own client; the module only copies it, so it never needs to connect. */
  let appCluster: Cluster;
  const stores: RedisIdempotencyStore[] = [];
  const apps: TestApp[] = [];
  const store = (options: ConstructorParameters<typeof RedisIdempotencyStore>[1] = {}) => {
    const created = new RedisIdempotencyStore(appCluster, { keyPrefix: `${uniquePrefix('cluster-store')}:`, ...options });
    stores.push(created);
    return created;
  };

  beforeAll(async () => {
    redisCluster = await startRedisCluster();
    appCluster = new Cluster([...redisCluster.nodes], { lazyConnect: true, redisOptions: { connectionName: 'app-cluster' } });
  });
  beforeEach(() => {
    handled.length = 0;
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    appCluster?.disconnect();
    await redisCluster?.close();
  });

  describe('RedisIdempotencyStore', () => {
    it("copies the app's Cluster into one of its own with the fail-fast settings, leaving the app's alone", async () => {
      const s = store({ commandTimeoutMs: 1500 });
      expect(s.client).not.toBe(appCluster);
      expect(s.client).toBeInstanceOf(Cluster);
      expect((s.client as Cluster).options).toMatchObject({
        enableOfflineQueue: false,
        redisOptions: { connectionName: 'app-cluster', commandTimeout: 1500, maxRetriesPerRequest: 1 },
      });
      expect(appCluster.options.enableOfflineQueue).toBe(true);
      expect(appCluster.options.redisOptions).toEqual({ connectionName: 'app-cluster' });
      expect(await s.claim('delivery:copy', 60)).toBe('claimed');
    });

    it('claims, completes and releases keys that live on different nodes', async () => {
      const s = store();
      const keys = Array.from({ length: 30 }, (_, i) => `delivery:spread-${i}`);
      expect(await Promise.all(keys.map((key) => s.claim(key, 60)))).toEqual(keys.map(() => 'claimed'));
      expect(await Promise.all(keys.map((key) => s.claim(key, 60)))).toEqual(keys.map(() => 'processing'));
      await Promise.all(keys.slice(0, 15).map((key) => s.complete(key, 3600)));
      await Promise.all(keys.map((key) => s.release(key)));
      expect(await Promise.all(keys.map((key) => s.claim(key, 60)))).toEqual(keys.map((_, i) => (i < 15 ? 'done' : 'claimed')));
      const perNode = await Promise.all((s.client as Cluster).nodes('master').map((node) => node.dbsize()));
      expect(perNode.filter((size) => size > 0).length).toBeGreaterThan(1);
    });

    /** Names of the commands the store sends through its Cluster. */
    function countCommands(s: RedisIdempotencyStore): string[] {
      const cluster = s.client as Cluster;
      const sent: string[] = [];
      const send = cluster.sendCommand.bind(cluster);
      cluster.sendCommand = ((command: Command, ...rest: unknown[]) => {
        sent.push(command.name);
        return (send as (...args: unknown[]) => unknown)(command, ...rest);
      }) as typeof cluster.sendCommand;
      return sent;
    }
    /** The master nodes holding keys under the store's prefix. */
    async function nodesHolding(s: RedisIdempotencyStore, prefix: string): Promise<number> {
      const keys = await Promise.all((s.client as Cluster).nodes('master').map((node) => node.keys(`${prefix}*`)));
      return keys.filter((held) => held.length > 0).length;
    }
    const pairs = Array.from({ length: 20 }, (_, i) => [`delivery:message.new:dlv_${i}`, `message:message.new:wamid-${i}`]);

    it("claims and completes a delivery's keys in one command each under a hash-tagged prefix, in one slot", async () => {
      const prefix = `{${uniquePrefix('cluster-tagged')}}:`;
      const s = store({ keyPrefix: prefix });
      expect(await s.claim('delivery:warm-up', 60)).toBe('claimed');
      const sent = countCommands(s);
      for (const keys of pairs) {
        sent.length = 0;
        expect(await s.claimAll(keys, 60)).toBe('claimed');
        expect(sent).toEqual([expect.stringMatching(/^eval(sha)?$/)]);
        sent.length = 0;
        await s.completeAll(keys, 3600);
        expect(sent).toEqual([expect.stringMatching(/^eval(sha)?$/)]);
      }
      expect(await Promise.all(pairs.map((keys) => s.claimAll(keys, 60)))).toEqual(pairs.map(() => 'done'));
      expect(await nodesHolding(s, prefix)).toBe(1);

      await s.complete('message:done', 3600);
      expect(await s.claimAll(['delivery:none-claimed', 'message:done'], 60)).toBe('done');
      expect(await s.claim('delivery:none-claimed', 60)).toBe('claimed');
    });

    it('claims, completes and releases a delivery\'s keys one command per key without a hash tag, keys on several shards', async () => {
      const prefix = `${uniquePrefix('cluster-untagged')}:`;
      const s = store({ keyPrefix: prefix });
      const other = store({ keyPrefix: prefix });
      expect(await s.claim('delivery:warm-up', 60)).toBe('claimed');
      const sent = countCommands(s);
      expect(await s.claimAll(pairs[0], 60)).toBe('claimed');
      expect(sent).toHaveLength(2);
      expect(await Promise.all(pairs.map((keys) => s.claimAll(keys, 60)))).toEqual(pairs.map((_, i) => (i === 0 ? 'processing' : 'claimed')));
      expect(await Promise.all(pairs.map((keys) => other.claimAll(keys, 60)))).toEqual(pairs.map(() => 'processing'));
      await Promise.all(pairs.slice(0, 10).map((keys) => s.completeAll(keys, 3600)));
      await Promise.all(pairs.map((keys) => s.releaseAll(keys)));
      expect(await Promise.all(pairs.map((keys) => other.claimAll(keys, 60)))).toEqual(pairs.map((_, i) => (i < 10 ? 'done' : 'claimed')));
      expect(await nodesHolding(s, prefix)).toBeGreaterThan(1);

      // Not atomic here, but a conflict still leaves no key claimed.
      await other.claim('message:taken', 60);
      expect(await s.claimAll(['delivery:released-again', 'message:taken'], 60)).toBe('processing');
      expect(await other.claim('delivery:released-again', 60)).toBe('claimed');
    });

    it('fails a claim while the cluster is down instead of waiting for it, and claims again once it is back', async () => {
      const s = store({ commandTimeoutMs: 1000 });
      expect(await s.claim('delivery:before-outage', 60)).toBe('claimed');
      await redisCluster.stop();
      try {
        // With an offline queue the claim would wait for the cluster to come back.
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          s.claim('delivery:during-outage', 60).then(
            (claim) => claim,
            (error: unknown) => error,
          ),
          new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still waiting'))),
        ]);
        clearTimeout(timer);
        expect(outcome).toBeInstanceOf(Error);
      } finally {
        await redisCluster.start();
      }
      await waitUntil('the store to claim again', async () => (await s.claim('delivery:after-outage', 60).catch(() => undefined)) === 'claimed');
    }, 30_000);
  });

  describe("dispatch: 'queue'", () => {
    it('queues under the hash-tagged {wazapin} prefix: a delivery is handled once and its repeat is not', async () => {
      const boot = (worker: boolean) =>
        startTestApp('express', {
          imports: [
            WazapinWebhooksModule.forRoot({
              secrets: secret,
              dispatch: 'queue',
              queue: { connection: appCluster, worker },
              idempotency: { store: store() },
            }),
          ],
          providers: [StatusHandler],
        });
      const receiver = await boot(true);
      apps.push(receiver);
      // Its own dedupe store: only the job id stops the repeat there.
      const other = await boot(false);
      apps.push(other);
      const deliver = (app: TestApp) =>
        app.deliver({ secret, id: 'msg_on_cluster', body: { message_id: 'wamid-cluster', conversation_id: 'conv_1', status: 'read', organization_id: 'org_1' } }, ROUTE);

      expect(await deliver(receiver)).toMatchObject({ status: 200, json: { received: true } });
      expect(await deliver(receiver)).toMatchObject({ status: 200, json: { received: true, duplicate: true } });
      expect(await deliver(other)).toMatchObject({ status: 200, json: { received: true } });

      const inspectClient = appCluster.duplicate();
      const inspect = new Queue(QUEUE, { connection: inspectClient, prefix: '{wazapin}' });
      try {
        await waitUntil('the job to complete', async () => (await inspect.getJobState('dlv_msg_on_cluster~message.status_update')) === 'completed');
        expect(await inspect.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed')).toEqual({
          completed: 1, waiting: 0, active: 0, delayed: 0, failed: 0,
        });
      } finally {
        await inspect.close();
        inspectClient.disconnect();
      }
      expect(handled).toEqual(['msg_on_cluster']);
      expect(receiver.logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    });

    it('refuses to boot with a prefix that has no {hash tag}, which a cluster needs to keep a queue in one slot', async () => {
      @Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'queue', queue: { connection: appCluster, prefix: 'myapp' } })] })
      class UntaggedPrefixModule {}
      const outcome = await NestFactory.createApplicationContext(UntaggedPrefixModule, { logger: false, abortOnError: false }).then(
        async (context) => {
          await context.close();
          return 'booted';
        },
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(WazapinConfigurationError);
      expect((outcome as Error).message).toMatch(/queue prefix "myapp" has no \{hash tag\}.*use e\.g\. "\{myapp\}"/);
    });
  });
});
