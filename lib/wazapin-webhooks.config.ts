import { Inject, Injectable } from '@nestjs/common';
import type {
  WazapinDispatchMode,
  WazapinWebhooksModuleOptions,
} from './interfaces/wazapin-webhooks-options.interface.js';
import { resolveQueueOptions, type ResolvedWazapinQueueOptions } from './queue/wazapin-queue.config.js';
import { decodeWebhookSecrets } from './signature/webhook-secret.js';
import { isEventTypeName } from './events/event-type-name.js';
import { WazapinConfigurationError } from './wazapin-configuration.error.js';
import { WAZAPIN_WEBHOOKS_MODULE_OPTIONS } from './wazapin-webhooks.constants.js';

const HOURS = 3600;
/** How much longer than the handlers a claim's lease lasts, for the claim and settle around them. */
const LEASE_MARGIN_SECONDS = 30;
const DISPATCH_MODES: readonly WazapinDispatchMode[] = ['background', 'inline', 'queue'];

function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved <= 0) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: ${name} must be a positive number, got ${String(value)}`);
  }
  return resolved;
}

/** The module's options, validated once at startup, with defaults applied. */
@Injectable()
export class WazapinWebhooksConfig {
  readonly secrets: string | string[];
  readonly toleranceSeconds: number;
  readonly dispatch: WazapinDispatchMode;
  readonly verifier: 'native' | 'svix';
  readonly eventTypeHeader?: string;
  readonly knownEventTypes: ReadonlySet<string>;
  readonly maxBodyBytes: number;
  readonly handlerTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly idempotencyTtlSeconds: number;
  readonly idempotencyLeaseSeconds: number;
  readonly idempotencyMaxEntries: number;
  readonly failOpen: boolean;
  /** Queue settings, set in `dispatch: 'queue'` only. */
  readonly queue?: ResolvedWazapinQueueOptions;

  constructor(@Inject(WAZAPIN_WEBHOOKS_MODULE_OPTIONS) readonly options: WazapinWebhooksModuleOptions) {
    decodeWebhookSecrets(options.secrets);
    this.secrets = options.secrets;
    this.toleranceSeconds = positive('toleranceSeconds', options.toleranceSeconds, 300);
    this.dispatch = options.dispatch ?? 'background';
    if (!DISPATCH_MODES.includes(this.dispatch)) {
      throw new WazapinConfigurationError(
        `WazapinWebhooksModule: dispatch must be one of ${DISPATCH_MODES.join(', ')}, got "${String(options.dispatch)}"`,
      );
    }
    this.verifier = options.verifier ?? 'native';
    if (this.verifier !== 'native' && this.verifier !== 'svix') {
      throw new WazapinConfigurationError(`WazapinWebhooksModule: verifier must be "native" or "svix", got "${String(options.verifier)}"`);
    }
    this.eventTypeHeader = options.eventTypeHeader?.toLowerCase();
    const known = options.knownEventTypes ?? [];
    const invalid = known.findIndex((type) => typeof type !== 'string' || !isEventTypeName(type));
    if (invalid !== -1) {
      throw new WazapinConfigurationError(
        `WazapinWebhooksModule: knownEventTypes[${invalid}] is not an event type name (lower-case words separated by dots, such as message.new)`,
      );
    }
    this.knownEventTypes = new Set(known);
    this.maxBodyBytes = positive('maxBodyBytes', options.maxBodyBytes, 1024 * 1024);
    this.handlerTimeoutMs = positive('handlerTimeoutMs', options.handlerTimeoutMs, this.dispatch === 'inline' ? 10_000 : 5 * 60_000);
    this.shutdownTimeoutMs = positive('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000);
    const idempotency = options.idempotency ?? {};
    this.idempotencyTtlSeconds = positive('idempotency.ttlSeconds', idempotency.ttlSeconds, 72 * HOURS);
    this.idempotencyLeaseSeconds = this.leaseSeconds(idempotency.leaseSeconds);
    this.idempotencyMaxEntries = positive('idempotency.maxEntries', idempotency.maxEntries, 1_000_000);
    this.failOpen = idempotency.failOpen ?? false;
    if (options.queue !== undefined && this.dispatch !== 'queue') {
      throw new WazapinConfigurationError(`WazapinWebhooksModule: queue options are set but dispatch is "${this.dispatch}"; set dispatch: 'queue'`);
    }
    this.queue = this.dispatch === 'queue' ? resolveQueueOptions(options.queue) : undefined;
  }

  /**
   * A claim's lease must outlast the handlers it covers: a copy arriving once it ended, while a
   * handler still ran, would run the delivery again beside it. So it defaults to the handler time
   * limit and a margin (60 s at least), and a shorter one fails boot. In queue mode it covers the
   * enqueueing only.
   */
  private leaseSeconds(configured: number | undefined): number {
    const handlersSeconds = this.dispatch === 'queue' ? 0 : Math.ceil(this.handlerTimeoutMs / 1000);
    const lease = positive('idempotency.leaseSeconds', configured, Math.max(60, handlersSeconds + LEASE_MARGIN_SECONDS));
    if (lease <= handlersSeconds) {
      throw new WazapinConfigurationError(
        `WazapinWebhooksModule: idempotency.leaseSeconds (${lease}) must be longer than handlerTimeoutMs (${this.handlerTimeoutMs} ms): ` +
          'a copy of a delivery arriving once the lease ended, while its handlers still run, would run them again beside them',
      );
    }
    return lease;
  }
}
