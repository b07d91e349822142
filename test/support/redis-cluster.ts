import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { onPath, redisServerOnPath, startRedisServer, type RedisServer } from './redis-server.js';
import { waitUntil } from './wait-until.js';

const run = promisify(execFile);

/** Why tests that start their own Redis Cluster cannot run here; `undefined` when they can. */
export const redisClusterMissing: string | undefined =
  redisServerOnPath && onPath('redis-cli') ? undefined : 'needs redis-server and redis-cli on the PATH';

/** A Redis Cluster of masters only, each a redis-server this process started on loopback. */
export interface RedisCluster {
  /** Startup nodes, as ioredis's `Cluster` takes them. */
  readonly nodes: readonly { host: string; port: number }[];
  /** Stops every node; {@link start} brings the same cluster back. */
  stop(): Promise<void>;
  /** Starts the stopped nodes again and waits for the cluster to serve every slot. */
  start(): Promise<void>;
  /** Stops every node and deletes their files. */
  close(): Promise<void>;
}

async function clusterReady(servers: readonly RedisServer[]): Promise<boolean> {
  const infos = await Promise.all(
    servers.map((server) => run('redis-cli', ['-p', String(server.port), 'cluster', 'info'], { timeout: 2000 }).catch(() => ({ stdout: '' }))),
  );
  return infos.every(({ stdout }) => stdout.includes('cluster_state:ok'));
}

/**
 * Starts `size` cluster nodes, joins them with `redis-cli --cluster create` (slots split evenly,
 * no replicas) and resolves once every node reports `cluster_state:ok`. Nothing is kept on disk
 * but each node's cluster config, which lets a stopped cluster start again as it was.
 */
export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const servers = await Promise.all(Array.from({ length: size }, () => startRedisServer({ cluster: true })));
  const cluster: RedisCluster = {
    nodes: servers.map((server) => ({ host: '127.0.0.1', port: server.port })),
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
    },
    async start() {
      await Promise.all(servers.map((server) => server.start()));
      await waitUntil('the Redis Cluster to serve every slot again', () => clusterReady(servers));
    },
    async close() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
  try {
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 });
    await waitUntil('the Redis Cluster to serve every slot', () => clusterReady(servers));
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}
