/** Route the webhook controller listens on, below any global prefix. */
export const WAZAPIN_DEFAULT_PATH = 'webhooks/wazapin';

/** Handler type that receives every event. */
export const WAZAPIN_WILDCARD = '*';

/** Event type given to a delivery whose type cannot be resolved. */
export const WAZAPIN_UNKNOWN_EVENT = 'unknown';

/** Injection token of the options as given to `forRoot` / `forRootAsync`: read once, to resolve them. */
export const WAZAPIN_WEBHOOKS_MODULE_OPTIONS = Symbol('WAZAPIN_WEBHOOKS_MODULE_OPTIONS');
/** Injection token of what the module definition fixed (route, whether it queues). */
export const WAZAPIN_MODULE_DEFINITION = Symbol('WAZAPIN_MODULE_DEFINITION');
/** Injection token of the resolved options, the only ones the module reads. */
export const WAZAPIN_OPTIONS = Symbol('WAZAPIN_OPTIONS');

export const WAZAPIN_EVENT_HANDLER_METADATA = 'wazapin:event-handler';
export const WAZAPIN_IDEMPOTENCY_STORE = Symbol('WAZAPIN_IDEMPOTENCY_STORE');
export const WAZAPIN_WEBHOOK_VERIFIER = Symbol('WAZAPIN_WEBHOOK_VERIFIER');
/** Injection token of the dispatch strategy of the configured mode. */
export const WAZAPIN_DISPATCHER = Symbol('WAZAPIN_DISPATCHER');
/** Injection token of what reads a message's content for `event.fetchMessage()`: the registration's API client. */
export const WAZAPIN_MESSAGE_READER = Symbol('WAZAPIN_MESSAGE_READER');
/** The registration's `DeadLetterStore`: in Redis beside a `RedisIdempotencyStore`, in memory otherwise. */
export const WAZAPIN_DEAD_LETTER_STORE = Symbol('WAZAPIN_DEAD_LETTER_STORE');
/** Where the registration's `WazapinDeadLetters` reads: its dead-letter store, or in queue mode BullMQ's failed jobs. */
export const WAZAPIN_DEAD_LETTER_SOURCE = Symbol('WAZAPIN_DEAD_LETTER_SOURCE');
/** Injection token of the `StatusOrder` of a registration with `statusOrder`, `null` without. */
export const WAZAPIN_STATUS_ORDER = Symbol('WAZAPIN_STATUS_ORDER');

/**
 * Names of the events this module emits on the app's `EventEmitter2`, when the app
 * imports `EventEmitterModule`. Subscribe with `@OnEvent(WazapinWebhookEvents.HandlerFailed)`.
 *
 * @publicApi
 */
export const WazapinWebhookEvents = {
  /** A handler threw. Payload: {@link WazapinHandlerFailure}. */
  HandlerFailed: 'wazapin.handler.failed',
  /**
   * A queued delivery used up its attempts (`dispatch: 'queue'`); its job stays in the failed
   * set. Payload: {@link WazapinQueueJobFailure}.
   */
  QueueJobFailed: 'wazapin.queue.job-failed',
  /**
   * `statusOrder: 'drop'` kept a stale status update from the handlers. Payload:
   * {@link WazapinStaleStatus}.
   */
  StaleStatus: 'wazapin.status.stale',
  /**
   * `validatePayloads` found a payload that does not match its event's class; only wildcard
   * handlers got it. Payload: {@link WazapinPayloadInvalid}.
   */
  PayloadInvalid: 'wazapin.payload.invalid',
  /**
   * A `background` delivery's handlers still failed after `handlerRetries`, or when the app shut
   * down, or a queued delivery used up its attempts: it is a dead letter now (see
   * `WazapinDeadLetters`). Payload: {@link WazapinDeadLetter}.
   */
  DeadLettered: 'wazapin.dead-lettered',
} as const;
/** The registration's telemetry: OpenTelemetry when the app has its API, nothing otherwise. */
export const WAZAPIN_TELEMETRY = Symbol('WAZAPIN_TELEMETRY');
