import { InternalServerErrorException, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { decodeWebhookSecrets, splitWebhookSecrets } from '../signature/webhook-secret.js';
import type { WebhookVerifier } from '../signature/webhook-verifier.interface.js';
import { errorMessage } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import { rejecting } from '../telemetry/delivery-outcome.js';
import { ThrottledLog } from '../utils/throttled-log.js';
import type { WazapinTenantSecretsResolver } from './wazapin-tenants-options.interface.js';

/** The `tenants` option, defaults applied. */
export interface ResolvedWazapinTenantsOptions {
  readonly secrets: WazapinTenantSecretsResolver;
  readonly cacheSeconds: number;
  readonly unknownCacheSeconds: number;
  readonly timeoutMs: number;
}

/** Bounds of the caches: tenants with secrets, and ids answered 404 or 500 (anyone can make those up). */
const MAX_KNOWN = 100_000;
const MAX_UNKNOWN = 10_000;
const RESOLVER_FAILURE_LOG_INTERVAL_MS = 60_000;

type Refusal = 'unknown' | 'broken';
interface Cached<T> {
  readonly value: T;
  readonly expiresAt: number;
}

function refuse(refusal: Refusal): never {
  throw refusal === 'unknown'
    ? rejecting(new NotFoundException('Unknown webhook tenant'), 'unknown-tenant')
    : new InternalServerErrorException("Webhook receiver is misconfigured: this tenant's secrets are invalid");
}

/** Adds `key` last (Maps keep insertion order, so the first key expires first), dropping the first when full. */
function remember<T>(cache: Map<string, Cached<T>>, key: string, entry: Cached<T>, max: number): void {
  cache.delete(key);
  if (cache.size >= max) {
    cache.delete(cache.keys().next().value!);
  }
  cache.set(key, entry);
}

/** `work`, or a rejection once `ms` passed; the timer never holds the process open. */
function within<T>(work: Promise<T>, ms: number, tenant: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer for tenant ${tenant} within ${ms} ms (tenants.timeoutMs)`)), ms);
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * The verifier of each tenant of a `tenants` registration, built from the secrets its resolver
 * returns and kept for `cacheSeconds`. Deliveries for a tenant not cached share one resolver
 * call. A tenant the resolver does not know answers 404, one whose secrets cannot be used 500
 * (logged, naming the tenant), both remembered for `unknownCacheSeconds`; a resolver that
 * throws, or does not answer within `timeoutMs`, answers 503 and is asked again by the next
 * delivery (a call that never settles does not hold the tenant, nor shutdown).
 */
export class TenantVerifiers {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly resolverFailures = new ThrottledLog(RESOLVER_FAILURE_LOG_INTERVAL_MS);
  private readonly known = new Map<string, Cached<WebhookVerifier>>();
  private readonly refused = new Map<string, Cached<Refusal>>();
  private readonly pending = new Map<string, Promise<WebhookVerifier | Refusal>>();

  constructor(
    private readonly options: ResolvedWazapinTenantsOptions,
    private readonly createVerifier: (keys: readonly Buffer[]) => WebhookVerifier,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's verifier: at once when cached, else once its resolver answered. Throws (or rejects with) the HTTP answer otherwise. */
  verifierFor(tenant: string): WebhookVerifier | Promise<WebhookVerifier> {
    const now = this.now();
    const known = this.known.get(tenant);
    if (known && known.expiresAt > now) {
      return known.value;
    }
    const refused = this.refused.get(tenant);
    if (refused && refused.expiresAt > now) {
      refuse(refused.value);
    }
    let pending = this.pending.get(tenant);
    if (!pending) {
      pending = this.resolve(tenant);
      this.pending.set(tenant, pending);
      void pending.finally(() => this.pending.delete(tenant)).catch(() => undefined);
    }
    return pending.then((outcome) => (typeof outcome === 'string' ? refuse(outcome) : outcome));
  }

  private async resolve(tenant: string): Promise<WebhookVerifier | Refusal> {
    let secrets: unknown;
    try {
      secrets = await within(Promise.resolve().then(() => this.options.secrets(tenant)), this.options.timeoutMs, tenant);
    } catch (error) {
      this.resolverFailures.write((suppressed) =>
        this.logger.error(
          `The tenants.secrets resolver failed for tenant ${tenant}, answering 503: ${printable(errorMessage(error))}` +
            (suppressed > 0 ? ` (${suppressed} more failures since the last such line)` : ''),
        ),
      );
      throw new ServiceUnavailableException('Webhook tenant secrets unavailable; retry later');
    }
    const outcome = this.verifierOf(tenant, secrets);
    const expiresAt = this.now() + (typeof outcome === 'string' ? this.options.unknownCacheSeconds : this.options.cacheSeconds) * 1000;
    if (typeof outcome === 'string') {
      this.known.delete(tenant);
      remember(this.refused, tenant, { value: outcome, expiresAt }, MAX_UNKNOWN);
    } else {
      this.refused.delete(tenant);
      remember(this.known, tenant, { value: outcome, expiresAt }, MAX_KNOWN);
    }
    return outcome;
  }

  /**
   * A verifier of what the resolver returned: `'unknown'` for nothing (`undefined`, `null`, `''`,
   * `[]`), `'broken'` (logged) for anything else that is not secrets, such as database rows
   * where their secret column was meant, or secrets that do not decode.
   */
  private verifierOf(tenant: string, secrets: unknown): WebhookVerifier | Refusal {
    try {
      const list = secrets === undefined || secrets === null ? [] : typeof secrets === 'string' ? [secrets] : Array.isArray(secrets) ? [...(secrets as unknown[])] : undefined;
      const misfit = list === undefined ? typeof secrets : list.findIndex((secret) => typeof secret !== 'string');
      if (misfit !== -1) {
        const what = typeof misfit === 'string' ? `a value of type ${misfit}` : `an array whose item #${misfit + 1} is of type ${typeof list![misfit]}`;
        return this.broken(tenant, `the tenants.secrets resolver returned ${what}; expected a string, an array of strings, or undefined for an unknown tenant`);
      }
      const split = splitWebhookSecrets(list as string[]);
      // The message of a secret that does not decode names its position, never its value.
      return split.length === 0 ? 'unknown' : this.createVerifier(decodeWebhookSecrets(split));
    } catch (error) {
      return this.broken(tenant, errorMessage(error).replace(/^WazapinWebhooksModule: /, ''));
    }
  }

  private broken(tenant: string, reason: string): Refusal {
    this.logger.error(`The secrets of tenant ${tenant} cannot be used, answering 500: ${printable(reason)}`);
    return 'broken';
  }
}
