import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, platform, release } from 'node:os';
import type { BenchMeta } from './bench-results.js';

const PACKAGES = ['@nestjs/core', '@nestjs/platform-express', '@nestjs/platform-fastify', 'express', 'fastify', 'svix', 'autocannon', 'ioredis'];

function versionOf(name: string): string {
  try {
    const path = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function commit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The machine, versions and commit a run was made on. */
export function benchMeta(mode: 'quick' | 'full', startedAt: Date): BenchMeta {
  const processors = cpus();
  return {
    mode,
    date: startedAt.toISOString(),
    commit: commit(),
    node: process.versions.node,
    platform: `${platform()} ${release()}`,
    cpu: processors[0]?.model ?? 'unknown',
    cpuCount: processors.length,
    versions: Object.fromEntries(PACKAGES.map((name) => [name, versionOf(name)])),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  };
}
