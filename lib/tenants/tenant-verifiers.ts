import { InternalServerErrorException, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { decodeWebhookSecrets, splitWebhookSecrets } from '../signature/webhook-secret.js';
import type { WebhookVerifier } from '../signature/webhook-verifier.interface.js';
import { errorMessage } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import { ThrottledLog } from '../utils/throttled-log.js';
import type { WazapinTenantSecretsResolver } from './wazapin-tenants-options.interface.js';

/** The `tenants` option, defaults applied. */
export interface ResolvedWazapinTenantsOptions {
  readonly secrets: WazapinTenantSecretsResolver;
  readonly cacheSeconds: number;
  readonly unknownCacheSeconds: number;
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
    ? new NotFoundException('Unknown webhook tenant')
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

/**
 * The verifier of each tenant of a `tenants` registration, built from the secrets its resolver
 * returns and kept for `cacheSeconds`. Deliveries for a tenant not cached share one resolver
 * call. A tenant the resolver does not know answers 404, one whose secrets do not decode 500
 * (logged, naming the tenant), both remembered for `unknownCacheSeconds`; a resolver that
 * throws answers 503 and is asked again by the next delivery.
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
      secrets = await this.options.secrets(tenant);
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

  private verifierOf(tenant: string, secrets: unknown): WebhookVerifier | Refusal {
    if (secrets !== undefined && secrets !== null && typeof secrets !== 'string' && !Array.isArray(secrets)) {
      this.logger.error(`The tenants.secrets resolver returned ${typeof secrets} for tenant ${tenant}; expected a string, an array of strings or undefined`);
      return 'broken';
    }
    if (splitWebhookSecrets(secrets as string | string[] | undefined).length === 0) {
      return 'unknown';
    }
    try {
      return this.createVerifier(decodeWebhookSecrets(secrets as string | string[]));
    } catch (error) {
      // The message names the secret's position, never its value.
      this.logger.error(`The secrets of tenant ${tenant} cannot be used, answering 500: ${errorMessage(error).replace(/^WazapinWebhooksModule: /, '')}`);
      return 'broken';
    }
  }
}
