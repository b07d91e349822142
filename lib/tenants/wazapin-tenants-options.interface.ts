/**
 * Looks up the signing secret(s) of a tenant's Wazapin endpoint, e.g. in the app's database:
 * one secret, several (rotation), or `undefined` (or an empty string or array) for a tenant
 * the app does not know. It may return a promise. Throwing answers the delivery 503, so the
 * platform retries it later.
 *
 * @publicApi
 */
export type WazapinTenantSecretsResolver = (
  tenant: string,
) => string | readonly string[] | undefined | null | Promise<string | readonly string[] | undefined | null>;

/**
 * The `tenants` option: one registration serving many Wazapin accounts, each posting to
 * `/{path}/{tenant}` (or `/{path}/{tenant}/{eventType}`) and signing with secrets the app
 * resolves at request time.
 *
 * @publicApi
 */
export interface WazapinTenantsOptions {
  /** The secrets of a tenant; called for tenant ids matching `^[A-Za-z0-9_-]{1,128}$` only. */
  secrets: WazapinTenantSecretsResolver;
  /**
   * How long a tenant's secrets are used before `secrets` is asked again. Default 60 s. Keep it
   * shorter than the platform's grace period for a rotated secret, so a rotation is picked up
   * while the old secret still signs.
   */
  cacheSeconds?: number;
  /**
   * How long a tenant the resolver did not know (or whose secrets do not decode) is answered
   * without asking again, so a flood of deliveries to unknown tenants does not reach the
   * database. Default 10 s, and never longer than `cacheSeconds`.
   */
  unknownCacheSeconds?: number;
  /**
   * Longest wait for `secrets` to answer; beyond it the delivery is answered 503 (the platform
   * retries it) and the next delivery asks again, so a lookup that hangs does not hold its
   * tenant, nor the app's shutdown. Default 5000 ms: well within the sender's 15 s.
   */
  timeoutMs?: number;
}
