/**
 * What `recoverFailedDeliveries` retries: the failed deliveries of a time window.
 *
 * @publicApi
 */
export interface WazapinRecoveryOptions {
  /** Failed attempts at or after this instant. Required. */
  since: Date;
  /** Failed attempts before this instant. Default: now. */
  until?: Date;
  /** One endpoint only, retried to that endpoint only. Default: every endpoint. */
  endpointId?: string;
  /** Only these event types. Default: every type. */
  eventTypes?: readonly string[];
  /** Retries in flight at once, 1 to 32. Default 4. */
  concurrency?: number;
  /** Count what would be retried, retry nothing. */
  dryRun?: boolean;
  /** Called as the work goes: after each page scanned and each retry settled. */
  onProgress?: (progress: WazapinRecoveryProgress) => void;
}

/**
 * How far a recovery is.
 *
 * @publicApi
 */
export interface WazapinRecoveryProgress {
  readonly phase: 'scanning' | 'retrying';
  /** Delivery attempts read so far. */
  readonly scanned: number;
  /** Messages to retry: known once scanning is done. */
  readonly toRetry: number;
  readonly retried: number;
  readonly failed: number;
}

/**
 * What a recovery did.
 *
 * @publicApi
 */
export interface WazapinRecoveryResult {
  /** Delivery attempts read, failed and successful. */
  readonly scanned: number;
  /** Messages whose newest attempt in the window failed with no later success: each retried once. */
  readonly toRetry: number;
  /** Retries the API accepted (0 in a dry run). */
  readonly retried: number;
  /** Retries that failed, with the error each ended with. */
  readonly failed: readonly { readonly messageId: string; readonly error: Error }[];
}

/**
 * The module's `recovery` option: recover, once the app listens, the deliveries Wazapin gave up
 * on while it was down (see `WazapinWebhooksApiService.recoverFailedDeliveries`).
 *
 * @publicApi
 */
export interface WazapinStartupRecoveryOptions {
  /**
   * Recover at startup, in the background: failures since the registration last accepted a
   * delivery (remembered in the idempotency store), less a 10-minute margin. Needs `api`.
   */
  onStartup: boolean;
  /** How far back to look when no accepted delivery is remembered. Default 28 h, the platform's retries. */
  lookbackHours?: number;
  /**
   * The endpoint to recover. Default: the endpoint `autoRegister` synced, else every endpoint of
   * the organisation.
   */
  endpointId?: string;
}
