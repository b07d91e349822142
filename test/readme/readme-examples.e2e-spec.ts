import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deliverWazapinEvent, generateWazapinSecret } from '../../lib/testing/index.js';
import { childEnv } from '../support/child-env.js';
import { ROOT } from '../support/compiled.js';
import { freePort } from '../support/free-port.js';
import { redisClusterMissing, startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { describeIf, redisMissing, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { WatchedProcess } from '../support/watched-process.js';
import { classify, EXAMPLES_DIR, generateExamples, OUT, readmeBlocks } from './readme-examples.js';

const execFileAsync = promisify(execFile);

/**
 * Every TypeScript block of the README, type-checked against this package and run: the Install
 * app as its own process, every other block where the README places it in that app, against the
 * emulator and a real Redis. A block that does not compile or boot as written fails here.
 */
describeIf(redisMissing ?? redisClusterMissing)("the README's code blocks", () => {
  const blocks = readmeBlocks().map((block) => ({ ...block, kind: classify(block) }));
  const generated = generateExamples(blocks);
  const runnable = generated.filter((example) => example.program !== undefined);
  let redis: { url: string; close(): Promise<void> };
  let cluster: RedisCluster | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await useRedis();
    env = { REDIS_URL: redis.url, WAZAPIN_WEBHOOK_SECRET: generateWazapinSecret() };
    if (blocks.some((block) => block.code.includes('REDIS_CLUSTER_URL'))) {
      cluster = await startRedisCluster();
      env.REDIS_CLUSTER_URL = `redis://${cluster.nodes[0].host}:${cluster.nodes[0].port}`;
    }
    try {
      await execFileAsync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(EXAMPLES_DIR, 'tsconfig.json')], {
        cwd: ROOT,
        env: childEnv(),
      });
    } catch (error) {
      throw new Error(`The README's blocks do not compile as written:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    await redis?.close();
  });

  it('has an Install app and runs every other block', () => {
    expect(blocks.filter((block) => block.kind === 'install').length).toBeGreaterThanOrEqual(3);
    expect(runnable.length).toBe(blocks.filter((block) => block.kind !== 'install' && block.kind !== 'test').length);
  });

  it('Install: main.ts boots the app, which handles a signed message.new', async () => {
    const port = await freePort();
    const app = new WatchedProcess(process.execPath, [join(OUT, 'install', 'main.js')], { env: { ...env, PORT: String(port) } });
    try {
      let status = 0;
      await waitUntil('the Install app to answer', async () => {
        const delivered = await deliverWazapinEvent({ url: `http://127.0.0.1:${port}/webhooks/wazapin`, secret: env.WAZAPIN_WEBHOOK_SECRET, type: 'message.new' }).catch(
          () => undefined,
        );
        status = delivered?.status ?? 0;
        return delivered !== undefined;
      });
      expect(status).toBe(200);
    } finally {
      await app.stop();
    }
  }, 60_000);

  it.each(runnable.map((example) => [`block ${example.block.index} (line ${example.block.line}, ${example.block.kind})`, example.program!]))(
    '%s runs as written',
    async (_name, program) => {
      const run = new WatchedProcess(process.execPath, [join(OUT, program)], { env });
      const timer = setTimeout(() => void run.stop('SIGKILL'), 45_000);
      const code = await run.exited;
      clearTimeout(timer);
      expect({ code, stderr: run.stderr.slice(-4000) }).toEqual({ code: 0, stderr: expect.any(String) });
    },
    60_000,
  );
});
