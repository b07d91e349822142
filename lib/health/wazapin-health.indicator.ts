import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { errorMessage } from '../utils/error-message.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { loadTerminus } from './load-terminus.js';
import { RegistrationHealth, type ResolvedHealthCheck } from './registration-health.js';
import type { WazapinHealthCheckOptions, WazapinHealthIndicatorResult, WazapinRegistrationHealth } from './wazapin-health-options.interface.js';

const DEFAULT_TIMEOUT_MS = 1000;
/** The longest wait a Node timer takes; a longer one would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Terminus keeps `status` for the indicator's own: a registration of that name goes under another key. */
const RESERVED_KEY = 'status';

/** The part of Terminus's `HealthIndicatorService` the indicator uses, in both Terminus 11 and 12. */
interface HealthIndicators {
  check(key: string): {
    up(data: Record<string, unknown>): Record<string, unknown>;
    down(data: Record<string, unknown>): Record<string, unknown>;
  };
}

/** Whether `value` is a number of at least `min` that is an integer. */
function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** The options with defaults, or why they cannot be used. */
function resolve(options: WazapinHealthCheckOptions | undefined): ResolvedHealthCheck | string {
  if (options === undefined || options === null) {
    return { timeoutMs: DEFAULT_TIMEOUT_MS };
  }
  if (typeof options !== 'object' || Array.isArray(options)) {
    return 'the options must be an object';
  }
  const { maxQueueWaiting, maxSilenceSeconds, timeoutMs = DEFAULT_TIMEOUT_MS, accounts } = options;
  if (accounts !== undefined && !(Array.isArray(accounts) && accounts.every((name) => typeof name === 'string'))) {
    return 'accounts must be an array of registration names';
  }
  if (maxQueueWaiting !== undefined && !isCount(maxQueueWaiting, 0)) {
    return `maxQueueWaiting must be an integer of at least 0, got ${String(maxQueueWaiting)}`;
  }
  if (maxSilenceSeconds !== undefined && !isCount(maxSilenceSeconds, 1)) {
    return `maxSilenceSeconds must be an integer of at least 1, got ${String(maxSilenceSeconds)}`;
  }
  if (!isCount(timeoutMs, 1) || timeoutMs > MAX_TIMEOUT_MS) {
    return `timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}, got ${String(timeoutMs)}`;
  }
  return { maxQueueWaiting, maxSilenceSeconds, timeoutMs };
}

/**
 * A `@nestjs/terminus` health indicator for the app's Wazapin registrations: down when a
 * registration's idempotency store or queue cannot be reached (each check waits at most
 * `timeoutMs`, 1 s by default, so a hung Redis never hangs the health route), when its queue
 * holds more than `maxQueueWaiting`, or when no delivery was accepted for `maxSilenceSeconds`.
 * List it in the `providers` of a module that imports `TerminusModule`; it loads
 * `@nestjs/terminus` when it starts, so apps that do not use it need not install it.
 *
 * @example
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.wazapin.isHealthy('wazapin', { maxQueueWaiting: 10_000 })]);
 * }
 * ```
 *
 * @publicApi
 */
@Injectable()
export class WazapinHealthIndicator implements OnModuleInit {
  private indicators?: HealthIndicators;
  private registrations?: Map<string, RegistrationHealth>;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
  ) {}

  async onModuleInit(): Promise<void> {
    const { HealthIndicatorService } = await loadTerminus();
    try {
      this.indicators = this.moduleRef.get(HealthIndicatorService, { strict: false });
    } catch {
      throw new WazapinConfigurationError(
        "WazapinHealthIndicator needs Terminus's HealthIndicatorService: import TerminusModule (from @nestjs/terminus) in the module that provides the indicator.",
      );
    }
  }

  /**
   * Checks every registration (or those named in `accounts`), concurrently, and resolves with
   * Terminus's result under `key`: `up` when every check is, each registration's checks and
   * figures under its name. Never rejects: options it cannot use answer down, with an `error`
   * naming them.
   */
  async isHealthy<const Key extends string = 'wazapin'>(key?: Key, options?: WazapinHealthCheckOptions): Promise<WazapinHealthIndicatorResult<Key>> {
    const session = this.indicators!.check(key ?? 'wazapin');
    const resolved = resolve(options);
    if (typeof resolved === 'string') {
      return session.down({ error: `WazapinHealthIndicator: ${resolved}` }) as WazapinHealthIndicatorResult<Key>;
    }
    const registrations = this.found();
    const names = options?.accounts ?? [...registrations.keys()];
    const checked = await Promise.all(
      names.map(async (name): Promise<[string, WazapinRegistrationHealth]> => {
        const registration = registrations.get(name);
        if (!registration) {
          return [name, { error: `no WazapinWebhooksModule registration is named "${name}"` } as WazapinRegistrationHealth];
        }
        const health = await registration.check(resolved).catch((error: unknown) => ({ error: errorMessage(error) }) as WazapinRegistrationHealth);
        return [name, health];
      }),
    );
    const details: Record<string, WazapinRegistrationHealth> = {};
    let up = true;
    for (const [name, health] of checked) {
      // Defined, not assigned: a registration may be named `__proto__`.
      Object.defineProperty(details, name === RESERVED_KEY ? `account:${name}` : name, { value: health, enumerable: true, configurable: true, writable: true });
      up &&= isUp(health);
    }
    return (up ? session.up(details) : session.down(details)) as WazapinHealthIndicatorResult<Key>;
  }

  /** The app's registrations, by name; found once, when every module is instantiated. */
  private found(): Map<string, RegistrationHealth> {
    if (!this.registrations) {
      this.registrations = new Map();
      for (const module of this.modules.values()) {
        const health = module.providers.get(RegistrationHealth)?.instance as RegistrationHealth | undefined;
        if (health) {
          this.registrations.set(health.account, health);
        }
      }
    }
    return this.registrations;
  }
}

function isUp(health: WazapinRegistrationHealth): boolean {
  return health.error === undefined && [health.store, health.queue, health.deliveries].every((check) => check === undefined || check.status === 'up');
}
