/** Route the webhook controller listens on, below any global prefix. */
export const WAZAPIN_DEFAULT_PATH = 'webhooks/wazapin';

/** Handler type that receives every event. */
export const WAZAPIN_WILDCARD = '*';

/** Event type given to a delivery whose type cannot be resolved. */
export const WAZAPIN_UNKNOWN_EVENT = 'unknown';

/** Injection token of the options given to `forRoot` / `forRootAsync`. */
export const WAZAPIN_WEBHOOKS_MODULE_OPTIONS = Symbol('WAZAPIN_WEBHOOKS_MODULE_OPTIONS');

/** Injection token of the webhook route's path, as the module was defined with. */
export const WAZAPIN_ROUTE_PATH = Symbol('WAZAPIN_ROUTE_PATH');
/** Injection token of the webhook route's `version` option. */
export const WAZAPIN_ROUTE_VERSION = Symbol('WAZAPIN_ROUTE_VERSION');

export const WAZAPIN_EVENT_HANDLER_METADATA = 'wazapin:event-handler';
export const WAZAPIN_IDEMPOTENCY_STORE = Symbol('WAZAPIN_IDEMPOTENCY_STORE');
export const WAZAPIN_WEBHOOK_VERIFIER = Symbol('WAZAPIN_WEBHOOK_VERIFIER');

/** Key under which the signature guard leaves the verified delivery on the request. */
export const WAZAPIN_VERIFIED_DELIVERY = Symbol('WAZAPIN_VERIFIED_DELIVERY');

/**
 * Names of the events this module emits on the app's `EventEmitter2`, when the app
 * imports `EventEmitterModule`. Subscribe with `@OnEvent(WazapinWebhookEvents.HandlerFailed)`.
 */
export const WazapinWebhookEvents = {
  /** A handler threw. Payload: {@link WazapinHandlerFailure}. */
  HandlerFailed: 'wazapin.handler.failed',
  /**
   * A queued delivery used up its attempts (`dispatch: 'queue'`); its job stays in the failed
   * set. Payload: {@link WazapinQueueJobFailure}.
   */
  QueueJobFailed: 'wazapin.queue.job-failed',
} as const;
