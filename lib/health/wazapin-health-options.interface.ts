/**
 * What `WazapinHealthIndicator.isHealthy` checks beyond the store and the queue being reachable.
 *
 * @publicApi
 */
export interface WazapinHealthCheckOptions {
  /** Down when more deliveries than this wait in the queue (`dispatch: 'queue'`). Off by default. */
  maxQueueWaiting?: number;
  /**
   * Down when no delivery was accepted for longer than this many seconds, by this instance or
   * (with a `RedisIdempotencyStore`) by any instance sharing its store, counted from app start
   * when none ever was. Off by default: quiet hours exist.
   */
  maxSilenceSeconds?: number;
  /** How long each check waits for Redis, so a hung server never hangs the health route. Default 1000. */
  timeoutMs?: number;
  /** The registrations to check, by name; every registration of the app by default. */
  accounts?: readonly string[];
}

/**
 * A check's status, as Terminus reads it.
 *
 * @publicApi
 */
export type WazapinHealthStatus = 'up' | 'down';

/**
 * What one registration's checks found, under its name in the health result.
 *
 * @publicApi
 */
export interface WazapinRegistrationHealth {
  /** The idempotency store: `store` is its class; down when it fails a ping or gives no answer within `timeoutMs`. */
  store: { status: WazapinHealthStatus; store: string; latencyMs?: number; probed?: false; error?: string };
  /** The queue, in `dispatch: 'queue'`: its waiting deliveries, down when unreadable or above `maxQueueWaiting`. */
  queue?: { status: WazapinHealthStatus; waiting?: number; maxQueueWaiting?: number; error?: string };
  /** When a delivery was last accepted; down past `maxSilenceSeconds`. `null`: none since the app started. */
  deliveries: { status: WazapinHealthStatus; lastAcceptedSecondsAgo: number | null; maxSilenceSeconds?: number };
  /** Why the registration could not be checked (a name in `accounts` that no registration has, an option out of range). */
  error?: string;
}

/**
 * The result of `isHealthy(key)`, a Terminus `HealthIndicatorResult`: the overall status, and
 * each registration's checks under its name (one named `status` is under `account:status`).
 *
 * @publicApi
 */
export type WazapinHealthIndicatorResult<Key extends string = string> = Record<
  Key,
  { status: WazapinHealthStatus; [account: string]: WazapinRegistrationHealth | WazapinHealthStatus }
>;
