import { checkIdentifier } from './accounts/wazapin-account.js';
import type { WazapinApiOptions, WazapinAutoRegisterOptions } from './api/interfaces/wazapin-api-options.interface.js';
import { resolveHandlerRetries, totalBackoffMs, type ResolvedHandlerRetries } from './dispatch/handler-retries.config.js';
import { isEventTypeName } from './events/event-type-name.js';
import type { IdempotencyStore } from './idempotency/idempotency-store.interface.js';
import type {
  WazapinDispatchMode,
  WazapinRouteVersion,
  WazapinWebhooksModuleOptions,
} from './interfaces/wazapin-webhooks-options.interface.js';
import { resolveQueueOptions, type ResolvedWazapinQueueOptions } from './queue/wazapin-queue.config.js';
import type { WazapinStartupRecoveryOptions } from './recovery/wazapin-recovery.interface.js';
import { resolveStatusOrder, type ResolvedStatusOrderOptions } from './status-order/status-order.config.js';
import type { WebhookVerifierKind } from './signature/create-webhook-verifier.js';
import { decodeWebhookSecrets } from './signature/webhook-secret.js';
import type { ResolvedWazapinTenantsOptions } from './tenants/tenant-verifiers.js';
import type { WazapinTenantsOptions } from './tenants/wazapin-tenants-options.interface.js';
import { checkNumber } from './utils/check-number.js';
import { WazapinConfigurationError } from './wazapin-configuration.error.js';

/** What `forRoot` / `forRootAsync` fixed when the module was defined, before any factory ran. */
export interface WazapinModuleDefinition {
  /** The registration's name, as given (checked when the options are resolved). */
  readonly name: string;
  readonly path: string;
  readonly version?: WazapinRouteVersion;
  /** The `dispatch` given where the module was defined (forRoot's options, or beside useFactory). */
  readonly dispatch?: WazapinDispatchMode;
  /** Whether the queue's producer and worker were registered: `dispatch: 'queue'` at definition. */
  readonly queued: boolean;
  /** Whether the routes take a tenant (`/{path}/{tenant}`): `tenants` given where the module was defined. */
  readonly tenants: boolean;
  /** The `tenants` option, when given where the module was defined rather than by the factory. */
  readonly tenantsOptions?: WazapinTenantsOptions;
}

/** Deduplication settings, defaults applied. */
export interface ResolvedWazapinIdempotencyOptions {
  /** The store given, if any; otherwise the module makes an in-memory one of `maxEntries`. */
  readonly store?: IdempotencyStore;
  readonly ttlSeconds: number;
  readonly leaseSeconds: number;
  readonly maxEntries: number;
  readonly failOpen: boolean;
}

/** The module's options, validated once at startup, defaults applied, secrets decoded; frozen. */
export interface ResolvedWazapinWebhooksOptions {
  /** The registration's name: `event.account`. */
  readonly account: string;
  readonly route: { readonly path: string; readonly version?: WazapinRouteVersion };
  /** The HMAC keys of the configured secrets, in order; none with `tenants`. */
  readonly keys: readonly Buffer[];
  /** Set with `tenants` only: each tenant's secrets are resolved at request time. */
  readonly tenants?: ResolvedWazapinTenantsOptions;
  readonly toleranceSeconds: number;
  readonly dispatch: WazapinDispatchMode;
  readonly verifier: WebhookVerifierKind;
  /** Lower case. */
  readonly eventTypeHeader?: string;
  readonly knownEventTypes: ReadonlySet<string>;
  readonly maxBodyBytes: number;
  readonly handlerTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly idempotency: ResolvedWazapinIdempotencyOptions;
  /** Set in `dispatch: 'queue'` only. */
  readonly queue?: ResolvedWazapinQueueOptions;
  /** As given; `WazapinWebhooksApiService` resolves them, since only it needs them. */
  readonly api: WazapinApiOptions;
  readonly autoRegister?: WazapinAutoRegisterOptions;
  /** Set with `statusOrder` only. */
  readonly statusOrder?: ResolvedStatusOrderOptions;
  readonly validatePayloads: boolean;
  /** Set in `dispatch: 'background'` only. */
  readonly handlerRetries?: ResolvedHandlerRetries;
  readonly deadLetters: { readonly maxEntries: number };
  /** Set with `recovery.onStartup` only. */
  readonly recovery?: ResolvedStartupRecovery;
}

/** `recovery` with `onStartup`, defaults applied. */
export interface ResolvedStartupRecovery {
  readonly lookbackHours: number;
  readonly endpointId?: string;
}

const HOURS = 3600;
/** How much longer than the handlers a claim's lease lasts, for the claim and settle around them. */
const LEASE_MARGIN_SECONDS = 30;
const DISPATCH_MODES: readonly WazapinDispatchMode[] = ['background', 'inline', 'queue'];

function checkDispatchMode(mode: unknown): WazapinDispatchMode {
  if (!DISPATCH_MODES.includes(mode as WazapinDispatchMode)) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: dispatch must be one of ${DISPATCH_MODES.join(', ')}, got "${String(mode)}"`);
  }
  return mode as WazapinDispatchMode;
}

/**
 * The mode, from the options or the module definition, which must agree when both give one:
 * the queue's producer and worker are registered only when the definition says `'queue'`.
 */
function resolveDispatch(options: WazapinWebhooksModuleOptions, definition: WazapinModuleDefinition): WazapinDispatchMode {
  const defined = definition.dispatch === undefined ? undefined : checkDispatchMode(definition.dispatch);
  const dispatch = checkDispatchMode(options.dispatch ?? defined ?? 'background');
  if (defined !== undefined && dispatch !== defined) {
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: the module was defined with dispatch: '${defined}' but its options say "${dispatch}"; give one mode`,
    );
  }
  if (dispatch === 'queue' && !definition.queued) {
    throw new WazapinConfigurationError(
      "WazapinWebhooksModule: dispatch: 'queue' decides which providers the module registers, so with forRootAsync give it beside " +
        "useFactory: forRootAsync({ dispatch: 'queue', useFactory, inject })",
    );
  }
  return dispatch;
}

function resolveKnownEventTypes(known: readonly string[] = []): ReadonlySet<string> {
  const invalid = known.findIndex((type) => typeof type !== 'string' || !isEventTypeName(type));
  if (invalid !== -1) {
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: knownEventTypes[${invalid}] is not an event type name (lower-case words separated by dots, such as message.new)`,
    );
  }
  return new Set(known);
}

/**
 * A claim's lease must outlast the handlers it covers: a copy arriving once it ended, while a
 * handler still ran, would run the delivery again beside it. So it defaults to the handler time
 * limit, times the runs of `handlerRetries` with the waits between them, and a margin (60 s at
 * least), and a shorter one fails boot. In queue mode it covers the enqueueing only.
 */
function resolveLeaseSeconds(
  configured: number | undefined,
  dispatch: WazapinDispatchMode,
  handlerTimeoutMs: number,
  retries: ResolvedHandlerRetries | undefined,
): number {
  const runSeconds = Math.ceil(handlerTimeoutMs / 1000);
  const handlersSeconds =
    dispatch === 'queue' ? 0 : retries ? retries.attempts * runSeconds + Math.ceil(totalBackoffMs(retries) / 1000) : runSeconds;
  const lease = checkNumber('idempotency.leaseSeconds', configured, Math.max(60, handlersSeconds + LEASE_MARGIN_SECONDS), 'positive');
  if (lease <= handlersSeconds) {
    const covered =
      retries && retries.attempts > 1
        ? `the ${retries.attempts} runs of handlerRetries (handlerTimeoutMs ${handlerTimeoutMs} ms each) and the waits between them, ${handlersSeconds} s`
        : `handlerTimeoutMs (${handlerTimeoutMs} ms)`;
    throw new WazapinConfigurationError(
      `WazapinWebhooksModule: idempotency.leaseSeconds (${lease}) must be longer than ${covered}: ` +
        'a copy of a delivery arriving once the lease ended, while its handlers still run, would run them again beside them',
    );
  }
  return lease;
}

/** `recovery`, checked: it calls the API, so it needs an API key. */
function resolveStartupRecovery(recovery: WazapinStartupRecoveryOptions | undefined, api: WazapinApiOptions | undefined): ResolvedStartupRecovery | undefined {
  if (recovery === undefined) {
    return undefined;
  }
  if (typeof recovery !== 'object' || recovery === null || typeof recovery.onStartup !== 'boolean') {
    throw new WazapinConfigurationError('WazapinWebhooksModule: recovery must be an object with onStartup: true or false');
  }
  const lookbackHours = checkNumber('recovery.lookbackHours', recovery.lookbackHours, 28, 'positive');
  if (recovery.endpointId !== undefined && (typeof recovery.endpointId !== 'string' || recovery.endpointId === '')) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: recovery.endpointId must be an endpoint id (ep_...), got ${String(recovery.endpointId)}`);
  }
  if (!recovery.onStartup) {
    return undefined;
  }
  if (typeof api?.apiKey !== 'string' || api.apiKey === '') {
    throw new WazapinConfigurationError(
      'WazapinWebhooksModule: recovery.onStartup calls the Wazapin API, so it needs api: { apiKey } (see wazapinApiOptionsFromEnv)',
    );
  }
  return Object.freeze({ lookbackHours, endpointId: recovery.endpointId });
}

function resolveVerifier(verifier: WazapinWebhooksModuleOptions['verifier']): WebhookVerifierKind {
  const resolved = verifier ?? 'native';
  if (resolved !== 'native' && resolved !== 'svix') {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: verifier must be "native" or "svix", got "${String(verifier)}"`);
  }
  return resolved;
}

/**
 * The `tenants` option, from the factory's options or the module definition. Whether there is
 * one decides the routes, which exist before any factory runs, so the definition must say so.
 */
function resolveTenants(options: WazapinWebhooksModuleOptions, definition: WazapinModuleDefinition): ResolvedWazapinTenantsOptions | undefined {
  const tenants = options.tenants ?? definition.tenantsOptions;
  if (tenants !== undefined && !definition.tenants) {
    throw new WazapinConfigurationError(
      'WazapinWebhooksModule: tenants decides the routes (/{path}/{tenant}), so with forRootAsync say so beside useFactory: ' +
        'forRootAsync({ tenants: true, useFactory, inject })',
    );
  }
  if (tenants === undefined) {
    if (definition.tenants) {
      throw new WazapinConfigurationError('WazapinWebhooksModule: the module was defined with tenants, but its options have no tenants: { secrets }');
    }
    return undefined;
  }
  if (typeof tenants !== 'object' || tenants === null || typeof tenants.secrets !== 'function') {
    throw new WazapinConfigurationError('WazapinWebhooksModule: tenants.secrets must be a function of the tenant id returning its secret(s)');
  }
  if (options.secrets !== undefined) {
    throw new WazapinConfigurationError('WazapinWebhooksModule: give secrets or tenants, not both: with tenants, each tenant\'s secrets come from tenants.secrets');
  }
  const cacheSeconds = checkNumber('tenants.cacheSeconds', tenants.cacheSeconds, 60, { atLeast: 0 });
  const unknownCacheSeconds = checkNumber('tenants.unknownCacheSeconds', tenants.unknownCacheSeconds, Math.min(10, cacheSeconds), { atLeast: 0 });
  return Object.freeze({
    secrets: tenants.secrets,
    cacheSeconds,
    unknownCacheSeconds: Math.min(unknownCacheSeconds, cacheSeconds),
    timeoutMs: checkNumber('tenants.timeoutMs', tenants.timeoutMs, 5000, 'positive'),
  });
}

/**
 * Validates the module's options and applies their defaults, once, at startup: every part of
 * the module reads this object, never the options as given. Throws a
 * {@link WazapinConfigurationError} naming the first option that cannot work.
 */
export function resolveWazapinWebhooksOptions(
  options: WazapinWebhooksModuleOptions,
  definition: WazapinModuleDefinition,
): ResolvedWazapinWebhooksOptions {
  if (typeof options !== 'object' || options === null) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: the options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const dispatch = resolveDispatch(options, definition);
  if (options.queue !== undefined && dispatch !== 'queue') {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: queue options are set but dispatch is "${dispatch}"; set dispatch: 'queue'`);
  }
  const handlerTimeoutMs = checkNumber('handlerTimeoutMs', options.handlerTimeoutMs, dispatch === 'inline' ? 10_000 : 5 * 60_000, 'positive');
  const idempotency = options.idempotency ?? {};
  const account = checkIdentifier(definition.name, 'WazapinWebhooksModule: name');
  const tenants = resolveTenants(options, definition);
  const handlerRetries = resolveHandlerRetries(options.handlerRetries, dispatch);
  const leaseSeconds = resolveLeaseSeconds(idempotency.leaseSeconds, dispatch, handlerTimeoutMs, handlerRetries);
  if (options.validatePayloads !== undefined && typeof options.validatePayloads !== 'boolean') {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: validatePayloads must be true or false, got ${String(options.validatePayloads)}`);
  }
  return Object.freeze({
    account,
    route: Object.freeze({ path: definition.path, version: definition.version }),
    keys: Object.freeze(tenants ? [] : decodeWebhookSecrets(options.secrets)),
    tenants,
    toleranceSeconds: checkNumber('toleranceSeconds', options.toleranceSeconds, 300, 'positive'),
    dispatch,
    verifier: resolveVerifier(options.verifier),
    eventTypeHeader: options.eventTypeHeader?.toLowerCase(),
    knownEventTypes: resolveKnownEventTypes(options.knownEventTypes),
    maxBodyBytes: checkNumber('maxBodyBytes', options.maxBodyBytes, 1024 * 1024, 'positive'),
    handlerTimeoutMs,
    shutdownTimeoutMs: checkNumber('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 'positive'),
    idempotency: Object.freeze({
      store: idempotency.store,
      ttlSeconds: checkNumber('idempotency.ttlSeconds', idempotency.ttlSeconds, 72 * HOURS, 'positive'),
      leaseSeconds,
      maxEntries: checkNumber('idempotency.maxEntries', idempotency.maxEntries, 1_000_000, 'positive'),
      failOpen: idempotency.failOpen ?? false,
    }),
    queue: dispatch === 'queue' ? Object.freeze(resolveQueueOptions(options.queue, account)) : undefined,
    api: options.api ?? {},
    autoRegister: options.autoRegister,
    // A queue worker holds a message's status while its handlers run, longer than the enqueueing lease.
    statusOrder: resolveStatusOrder(options.statusOrder, options.statusRanks, Math.max(leaseSeconds, Math.ceil(handlerTimeoutMs / 1000) + LEASE_MARGIN_SECONDS)),
    validatePayloads: options.validatePayloads ?? false,
    handlerRetries,
    deadLetters: Object.freeze({ maxEntries: checkNumber('deadLetters.maxEntries', options.deadLetters?.maxEntries, 10_000, 'positive integer') }),
    recovery: resolveStartupRecovery(options.recovery, options.api),
  });
}
