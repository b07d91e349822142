import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { loadTerminus } from './load-terminus.js';
import { RegistrationHealth, type ResolvedHealthCheck } from './registration-health.js';
import type {
  WazapinHealthCheckOptions,
  WazapinHealthIndicatorResult,
  WazapinHealthStatus,
  WazapinRegistrationHealth,
} from './wazapin-health-options.interface.js';

const DEFAULT_TIMEOUT_MS = 1000;
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
function resolve({ maxQueueWaiting, maxSilenceSeconds, timeoutMs = DEFAULT_TIMEOUT_MS, accounts }: WazapinHealthCheckOptions): ResolvedHealthCheck | string {
  if (accounts !== undefined && !(Array.isArray(accounts) && accounts.every((name) => typeof name === 'string'))) {
    return 'accounts must be an array of registration names';
  }
  if (maxQueueWaiting !== undefined && !isCount(maxQueueWaiting, 0)) {
    return `maxQueueWaiting must be an integer of at least 0, got ${String(maxQueueWaiting)}`;
  }
  if (maxSilenceSeconds !== undefined && !isCount(maxSilenceSeconds, 1)) {
    return `maxSilenceSeconds must be an integer of at least 1, got ${String(maxSilenceSeconds)}`;
  }
  if (!isCount(timeoutMs, 1)) {
    return `timeoutMs must be an integer of at least 1, got ${String(timeoutMs)}`;
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
   * figures under its name. Never rejects.
   */
  async isHealthy<const Key extends string = 'wazapin'>(key?: Key, options: WazapinHealthCheckOptions = {}): Promise<WazapinHealthIndicatorResult<Key>> {
    const indicatorKey = key ?? 'wazapin';
    const resolved = resolve(options ?? {});
    const registrations = this.found();
    const names = typeof resolved !== 'string' && options?.accounts ? options.accounts : [...registrations.keys()];
    const checked = await Promise.all(
      names.map(async (name): Promise<[string, WazapinRegistrationHealth]> => {
        const registration = registrations.get(name);
        if (typeof resolved === 'string' || !registration) {
          const error = typeof resolved === 'string' ? resolved : `no WazapinWebhooksModule registration is named "${String(name)}"`;
          return [name, { error } as WazapinRegistrationHealth];
        }
        return [name, await registration.check(resolved)];
      }),
    );
    const details: Record<string, WazapinRegistrationHealth> = {};
    let status: WazapinHealthStatus = 'up';
    for (const [name, health] of checked) {
      details[name === RESERVED_KEY ? `account:${name}` : name] = health;
      if (!isUp(health)) {
        status = 'down';
      }
    }
    const session = this.indicators!.check(indicatorKey);
    return (status === 'up' ? session.up(details) : session.down(details)) as WazapinHealthIndicatorResult<Key>;
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
