import { HttpException, Logger } from '@nestjs/common';
import { createWebhookVerifier } from '../../lib/signature/create-webhook-verifier.js';
import { TenantVerifiers } from '../../lib/tenants/tenant-verifiers.js';
import type { WazapinTenantSecretsResolver } from '../../lib/tenants/wazapin-tenants-options.interface.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import { readWebhookHeaders, type WebhookSignatureHeaders } from '../../lib/signature/webhook-headers.js';
import { RecordingLogger } from '../support/webhook-app.js';

/** A clock the test moves. */
function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function verifiers(secrets: WazapinTenantSecretsResolver, time = clock(), cacheSeconds = 60, unknownCacheSeconds = 10, timeoutMs = 5000) {
  const calls: string[] = [];
  const resolver: WazapinTenantSecretsResolver = (tenant) => {
    calls.push(tenant);
    return secrets(tenant);
  };
  const cache = new TenantVerifiers(
    { secrets: resolver, cacheSeconds, unknownCacheSeconds, timeoutMs },
    (keys) => createWebhookVerifier('native', { keys, toleranceSeconds: 300 }),
    time.now,
  );
  return { cache, calls, time };
}

async function statusOf(result: () => unknown): Promise<number | 'ok'> {
  try {
    await result();
    return 'ok';
  } catch (error) {
    if (error instanceof HttpException) {
      return error.getStatus();
    }
    throw error;
  }
}

function signed(secret: string): { headers: WebhookSignatureHeaders; body: Buffer } {
  const delivery = signWazapinDelivery({ secret, body: '{"a":1}' });
  return { headers: readWebhookHeaders(delivery.headers) as WebhookSignatureHeaders, body: Buffer.from(delivery.body) };
}

describe('TenantVerifiers', () => {
  const logger = new RecordingLogger();
  beforeAll(() => Logger.overrideLogger(logger));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it("verifies with the tenant's own secrets, and never with another tenant's", async () => {
    const secrets: Record<string, string> = { a: generateWazapinSecret(), b: generateWazapinSecret() };
    const { cache } = verifiers((tenant) => secrets[tenant]);
    const forA = signed(secrets.a);

    expect((await cache.verifierFor('a')).verify(forA.headers, forA.body).ok).toBe(true);
    expect((await cache.verifierFor('b')).verify(forA.headers, forA.body).ok).toBe(false);
  });

  it('shares one resolver call among concurrent lookups, then answers from the cache at once until it expires', async () => {
    const secret = generateWazapinSecret();
    const { cache, calls, time } = verifiers(async () => secret);

    await Promise.all(Array.from({ length: 50 }, () => cache.verifierFor('t')));
    expect(calls).toEqual(['t']);
    expect(cache.verifierFor('t')).not.toBeInstanceOf(Promise);

    time.advance(59_000);
    cache.verifierFor('t');
    expect(calls).toHaveLength(1);
    time.advance(2000);
    await cache.verifierFor('t');
    expect(calls).toHaveLength(2);
  });

  it('answers 404 for a tenant the resolver does not know, remembered for the shorter time', async () => {
    const { cache, calls, time } = verifiers((tenant) => (tenant === 'empty' ? [] : tenant === 'blank' ? '' : undefined));

    for (const tenant of ['nobody', 'empty', 'blank']) {
      expect(await statusOf(() => cache.verifierFor(tenant))).toBe(404);
    }
    expect(await statusOf(() => cache.verifierFor('nobody'))).toBe(404);
    expect(calls).toEqual(['nobody', 'empty', 'blank']);
    time.advance(10_001);
    expect(await statusOf(() => cache.verifierFor('nobody'))).toBe(404);
    expect(calls).toEqual(['nobody', 'empty', 'blank', 'nobody']);
  });

  it('answers 503 when the resolver throws or rejects, and asks again on the next lookup', async () => {
    let failing = true;
    const secret = generateWazapinSecret();
    const { cache, calls } = verifiers((tenant) => {
      if (failing) {
        if (tenant === 'sync') throw new Error('db down');
        return Promise.reject(Object.create(null));
      }
      return secret;
    });

    expect(await statusOf(() => cache.verifierFor('sync'))).toBe(503);
    expect(await statusOf(() => cache.verifierFor('async'))).toBe(503);
    failing = false;
    expect(await statusOf(() => cache.verifierFor('sync'))).toBe('ok');
    expect(calls).toEqual(['sync', 'async', 'sync']);
  });

  it('answers 500 for secrets that do not decode or a resolver answer of the wrong kind, logging the tenant but never the secret', async () => {
    logger.lines.length = 0;
    const rows = [{ webhook_secret: generateWazapinSecret() }];
    const throwingIterator = new Proxy([generateWazapinSecret()], {
      get: (target, key) => (key === Symbol.iterator ? () => { throw new Error('no iterating this'); } : Reflect.get(target, key)),
    });
    const answers: Record<string, unknown> = { bad: 'whsec_!!!not-a-secret!!!', odd: 42, rows, mixed: [generateWazapinSecret(), 7], proxy: throwingIterator };
    const { cache } = verifiers((tenant) => answers[tenant] as string);
    for (const tenant of Object.keys(answers)) {
      expect({ tenant, status: await statusOf(() => cache.verifierFor(tenant)) }).toEqual({ tenant, status: 500 });
    }
    const errors = logger.lines.filter((line) => line.level === 'error').map((line) => line.message);
    expect(errors).toEqual([
      expect.stringMatching(/tenant bad .*secret #1 is invalid/),
      expect.stringMatching(/tenant odd .*a value of type number/),
      expect.stringMatching(/tenant rows .*an array whose item #1 is of type object/),
      expect.stringMatching(/tenant mixed .*an array whose item #2 is of type number/),
      expect.stringMatching(/tenant proxy .*no iterating this/),
    ]);
    for (const secret of ['not-a-secret', rows[0].webhook_secret, (answers.mixed as string[])[0], throwingIterator[0]]) {
      expect(errors.join('\n')).not.toContain(secret);
    }
  });

  it('answers 503 to a resolver that does not answer in time, without holding the tenant: the next lookup asks again', async () => {
    let hang = true;
    const secret = generateWazapinSecret();
    const { cache, calls } = verifiers(() => (hang ? new Promise<string>(() => undefined) : secret), clock(), 60, 10, 50);

    expect(await statusOf(() => cache.verifierFor('slow'))).toBe(503);
    hang = false;
    expect(await statusOf(() => cache.verifierFor('slow'))).toBe('ok');
    expect(calls).toEqual(['slow', 'slow']);
    expect(logger.has('error', /no answer for tenant slow within 50 ms \(tenants\.timeoutMs\)/)).toBe(true);
  });

  it('stays bounded under a flood of made-up tenants, dropping the oldest first', async () => {
    const { cache, calls } = verifiers(() => undefined);
    for (let i = 0; i < 10_050; i++) {
      await statusOf(() => cache.verifierFor(`t${i}`));
    }
    calls.length = 0;
    await statusOf(() => cache.verifierFor('t10049'));
    await statusOf(() => cache.verifierFor('t0'));
    expect(calls).toEqual(['t0']);
  });
});
