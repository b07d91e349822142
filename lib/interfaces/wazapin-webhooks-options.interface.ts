import type { VERSION_NEUTRAL } from '@nestjs/common';
import type { WazapinApiOptions, WazapinAutoRegisterOptions } from '../api/interfaces/wazapin-api-options.interface.js';
import type { WazapinDeadLetterOptions } from '../dead-letters/wazapin-dead-letter-options.interface.js';
import type { WazapinHandlerRetryOptions } from '../dispatch/handler-retries.config.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.interface.js';
import type { WazapinQueueOptions } from '../queue/wazapin-queue-options.interface.js';
import type { WazapinStartupRecoveryOptions } from '../recovery/wazapin-recovery.interface.js';
import type { WazapinTenantsOptions } from '../tenants/wazapin-tenants-options.interface.js';

/**
 * When handlers run relative to the HTTP answer:
 * - `background`: answer 2xx once verified and claimed, then run handlers (fast; an event in
 *   flight is lost if the process dies);
 * - `inline`: run handlers first; a failure answers 500 so the platform retries;
 * - `queue`: add the delivery to a BullMQ queue, answer 2xx once Redis holds it, and let
 *   workers on any instance run handlers with retries and backoff (see {@link WazapinQueueOptions}).
 *
 * @publicApi
 */
export type WazapinDispatchMode = 'background' | 'inline' | 'queue';

/**
 * What `statusOrder` does with a `message.status_update` whose status ranks no higher than one
 * already handled for its message (a late `sent` after `delivered`):
 * - `flag`: dispatch it anyway, with `event.stale` true (every status update gets `event.stale`);
 * - `drop`: dispatch it to no handler, answer `{"received":true,"stale":true}` and emit
 *   `WazapinWebhookEvents.StaleStatus`.
 *
 * @publicApi
 */
export type WazapinStatusOrder = 'flag' | 'drop';

/**
 * Deduplication settings.
 *
 * @publicApi
 */
export interface WazapinIdempotencyOptions {
  /** Where claims live. Default: an in-memory store of `maxEntries` keys (one process only). */
  store?: IdempotencyStore;
  /** How long a handled delivery is remembered. Default 72 h, beyond the platform's ~28 h of retries. */
  ttlSeconds?: number;
  /**
   * How long a claim stays "processing" before another attempt may take it. Default
   * `handlerTimeoutMs` + 30 s, at least 60 s; one not longer than `handlerTimeoutMs` fails boot.
   * In `background` mode it covers every run of `handlerRetries` and the waits between them:
   * default `attempts` × `handlerTimeoutMs` + the longest waits + 30 s (933 s by default), and a
   * shorter one fails boot. With `dispatch: 'queue'` it covers enqueueing only: default 60 s, any
   * length allowed.
   */
  leaseSeconds?: number;
  /** Size bound of the default in-memory store. Default 1,000,000. */
  maxEntries?: number;
  /** When the store fails, dispatch anyway (`true`) instead of answering 503. Default `false`. */
  failOpen?: boolean;
}

/**
 * Options of `WazapinWebhooksModule.forRoot` / `forRootAsync`'s factory.
 *
 * @publicApi
 */
export interface WazapinWebhooksModuleOptions {
  /**
   * Endpoint signing secrets (`whsec_...`). One, an array, or a string of several separated
   * by spaces or commas; a delivery is valid when any of them signed it (secret rotation).
   * Required, unless `tenants` resolves each tenant's secrets instead.
   */
  secrets?: string | string[];
  /**
   * Serve many Wazapin accounts (tenants) on one registration, instead of `secrets`: routes
   * become `/{path}/{tenant}` and `/{path}/{tenant}/{eventType}`, and each tenant's secrets
   * are resolved at request time. With `forRootAsync`, say `tenants: true` (or give the option
   * itself) beside `useFactory`, since it decides the routes.
   */
  tenants?: WazapinTenantsOptions;
  /** Largest accepted age or lead of a delivery's timestamp. Default 300 s. */
  toleranceSeconds?: number;
  /** Default `'background'`. */
  dispatch?: WazapinDispatchMode;
  /** Settings of `dispatch: 'queue'`; only allowed with it. */
  queue?: WazapinQueueOptions;
  idempotency?: WazapinIdempotencyOptions;
  /** `'native'` (default, Node's crypto) or `'svix'` (the svix 1.x library, installed separately). */
  verifier?: 'native' | 'svix';
  /** A request header that names the event type, for flat bodies posted to one URL. */
  eventTypeHeader?: string;
  /**
   * Event types beyond the catalogued six that the app handles on purpose. A handler of a type
   * that is neither catalogued nor listed here is warned about at startup, since a typo
   * (`'mesage.new'`) would otherwise never run, silently.
   */
  knownEventTypes?: readonly string[];
  /** Largest accepted body in bytes; larger answers 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Longest a handler may run before it counts as failed (`WazapinHandlerTimeoutError`).
   * Default 10 s with `dispatch: 'inline'` (the sender gives up after about 15 s), 5 min otherwise.
   */
  handlerTimeoutMs?: number;
  /**
   * Longest app shutdown waits for handlers still running in `background` mode; those still
   * running then are logged as abandoned. Default 10 s.
   */
  shutdownTimeoutMs?: number;
  /**
   * How `WazapinWebhooksApiService` reaches the Wazapin API (API key, base URL, organization,
   * timeout, retries). Only the service needs it; see `wazapinApiOptionsFromEnv`.
   */
  api?: WazapinApiOptions;
  /** Create or update this app's endpoint in Wazapin at startup (needs `api.apiKey`). */
  autoRegister?: WazapinAutoRegisterOptions;
  /**
   * Keep each message's status updates in order: the module remembers, per `message_id`, the
   * highest status rank handled (in the idempotency store, for the dedupe TTL) and tells a
   * stale update apart, atomically across instances with `RedisIdempotencyStore`. The updates
   * of one message are handled one at a time: one arriving while another is handled waits up
   * to a second, then is answered 409 for the platform to retry. Default: off, costing nothing.
   */
  statusOrder?: WazapinStatusOrder;
  /**
   * Rank of each status, for `statusOrder`. Default `{ sent: 1, delivered: 2, read: 3, failed: 2 }`:
   * a failure after `sent` is news; a `failed` after `delivered` or `read`, or a `delivered`
   * after `failed`, is stale. A status without a rank is never stale and changes nothing.
   */
  statusRanks?: Readonly<Record<string, number>>;
  /**
   * Check each catalogued event's payload against its class (`WazapinMessageNewPayloadDto`, …)
   * with class-validator. An invalid payload reaches only the wildcard (`'*'`) handlers, with
   * `event.invalid` listing what failed; it is answered 2xx (a retry cannot fix it), logged
   * once per type and field, and emitted as `WazapinWebhookEvents.PayloadInvalid`. Default `false`.
   */
  validatePayloads?: boolean;
  /**
   * `dispatch: 'background'` only: run a handler that failed again, in the process, after a
   * backoff (the platform had its 2xx and never retries). Default `{ attempts: 3, backoffMs:
   * 1000, maxBackoffMs: 60000 }`. One still failing after the last run goes to dead letters.
   */
  handlerRetries?: WazapinHandlerRetryOptions;
  /** Bounds of the dead letters (`WazapinDeadLetters`). */
  deadLetters?: WazapinDeadLetterOptions;
  /**
   * Recover at startup the deliveries Wazapin gave up on while the app was down:
   * `{ onStartup: true }`. Needs `api`; see {@link WazapinStartupRecoveryOptions}.
   */
  recovery?: WazapinStartupRecoveryOptions;
}

/**
 * A class that makes the module's options, for `forRootAsync({ useClass })` or `useExisting`:
 * Nest instantiates it with its dependencies and calls `create()`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class WazapinConfig implements WazapinWebhooksOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   create(): WazapinWebhooksModuleOptions {
 *     return { secrets: this.config.getOrThrow('WAZAPIN_WEBHOOK_SECRET') };
 *   }
 * }
 * ```
 *
 * @publicApi
 */
export interface WazapinWebhooksOptionsFactory {
  create(): WazapinWebhooksModuleOptions | Promise<WazapinWebhooksModuleOptions>;
}

/**
 * A route version, as `@Controller({ version })` takes it.
 *
 * @publicApi
 */
export type WazapinRouteVersion = string | typeof VERSION_NEUTRAL | (string | typeof VERSION_NEUTRAL)[];

/**
 * Options read when the module is defined, in `forRoot` and `forRootAsync` alike.
 *
 * @publicApi
 */
export interface WazapinWebhooksModuleExtras {
  /**
   * The registration's name, for an app receiving from several Wazapin accounts: `event.account`,
   * `@OnWazapinEvent(type, { account })`, `@InjectWazapinApi(name)`. Unique in the app; 1 to 128
   * characters from A-Z a-z 0-9 _ -. Default `'default'`.
   */
  name?: string;
  /** Register the module globally. Default `false`. */
  isGlobal?: boolean;
  /** Route of the webhook controller, below any global prefix. Default `webhooks/wazapin`. */
  path?: string;
  /**
   * The route's version when the app enables versioning (`app.enableVersioning`). Default
   * `VERSION_NEUTRAL`: the route stays where Wazapin posts, whatever the app's default version,
   * and needs no version header (Wazapin sends none).
   */
  version?: WazapinRouteVersion;
  /**
   * Class decorators applied to the webhook controller, e.g. `[Public()]` to exempt it from an
   * app-wide auth guard, or `[SkipThrottle()]`.
   */
  controllerDecorators?: ClassDecorator[];
  /**
   * The dispatch mode, when given where the module is defined (beside `useFactory`); a factory
   * that also returns one must agree. `'queue'` registers the queue's producer and worker, so
   * `forRootAsync` needs it here for `dispatch: 'queue'`. `forRoot` reads it from its options.
   */
  dispatch?: WazapinDispatchMode;
  /**
   * Whether the registration serves tenants (see `WazapinWebhooksModuleOptions.tenants`), when
   * given where the module is defined: `true` beside `useFactory` when the factory returns the
   * `tenants` option, or the option itself. `forRoot` reads it from its options.
   */
  tenants?: boolean | WazapinTenantsOptions;
}
