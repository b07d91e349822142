import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import type { DeliveryClaim } from '../dispatch/delivery-claim.interface.js';
import type { WazapinDispatcher } from '../dispatch/wazapin-dispatcher.interface.js';
import { type MessageReader, withFetchMessage } from '../events/message-fetch.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import { LastAcceptedDelivery } from '../recovery/last-accepted-delivery.js';
import type { StatusOrder } from '../status-order/status-order.js';
import { answering } from '../telemetry/delivery-outcome.js';
import { PayloadChecks } from '../validation/payload-checks.js';
import { WAZAPIN_DISPATCHER, WAZAPIN_MESSAGE_READER, WAZAPIN_OPTIONS, WAZAPIN_STATUS_ORDER } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { dedupeKeys, dedupeNamespace } from './dedupe-keys.js';
import { DeliveryClaims } from './delivery-claims.js';
import { resolveEventType } from './event-type.resolver.js';
import { DUPLICATE, INVALID, RECEIVED, STALE } from './receipts.js';
import type { SignedDelivery } from './signed-delivery.interface.js';
import type { WazapinWebhookReceipt } from './wazapin-webhook-receipt.interface.js';

function parseBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw answering(new BadRequestException('Webhook body is not valid JSON'), 'invalid');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw answering(new BadRequestException('Webhook body is not a JSON object'), 'invalid');
  }
  return parsed as Record<string, unknown>;
}

/**
 * The receiving path after verification: parse, resolve the event type, validate the payload
 * (`validatePayloads`), claim the delivery's dedupe keys, order a status update
 * (`statusOrder`), and hand the event off to the dispatcher of the configured mode.
 */
@Injectable()
export class WazapinWebhookReceiver {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly eventTypeHeader?: string;
  private readonly account: string;
  /** The dedupe namespace of the registration's deliveries without a tenant. */
  private readonly namespace: string;
  /** Types the payload's shape decided, each said once. */
  private readonly guessedTypes = new Set<string>();
  private readonly payloadChecks?: PayloadChecks;
  /** Where `recovery.onStartup` starts, recorded whatever the options, so recovery turned on later has it. */
  private readonly lastAccepted: LastAcceptedDelivery;
  /** Where the route orders status updates: in full, or in `queue` mode only a look at the rank (the worker orders). */
  private readonly order?: (event: WazapinEvent, claim: DeliveryClaim) => Promise<DeliveryClaim | 'stale'>;

  constructor(
    @Inject(WAZAPIN_OPTIONS) options: ResolvedWazapinWebhooksOptions,
    private readonly claims: DeliveryClaims,
    @Inject(WAZAPIN_DISPATCHER) private readonly dispatcher: WazapinDispatcher,
    @Inject(WAZAPIN_MESSAGE_READER) private readonly messages: MessageReader,
    @Inject(WAZAPIN_STATUS_ORDER) statusOrder: StatusOrder | null,
    payloadChecks: PayloadChecks,
    lastAccepted: LastAcceptedDelivery,
  ) {
    this.eventTypeHeader = options.eventTypeHeader;
    this.lastAccepted = lastAccepted;
    this.payloadChecks = options.validatePayloads ? payloadChecks : undefined;
    if (statusOrder) {
      this.order = options.dispatch === 'queue' ? statusOrder.peek.bind(statusOrder) : statusOrder.order.bind(statusOrder);
    }
    this.account = options.account;
    this.namespace = dedupeNamespace(options.account);
  }

  /** The delivery's trace, with telemetry, is told of it as it is verified and typed. */
  async receive(delivery: SignedDelivery, pathType?: string): Promise<WazapinWebhookReceipt> {
    const { trace } = delivery;
    trace?.verified(delivery);
    const resolved = resolveEventType({
      body: parseBody(delivery.body),
      pathType,
      headerType: this.eventTypeHeader ? delivery.headers[this.eventTypeHeader] : undefined,
    });
    if (resolved.source === 'shape') {
      this.warnGuessed(resolved.type);
    }
    const event = withFetchMessage<WazapinEvent>({
      id: delivery.id,
      type: resolved.type,
      typeSource: resolved.source,
      timestamp: delivery.timestamp,
      receivedAt: new Date(),
      payload: resolved.payload,
      headers: delivery.headers,
      account: this.account,
      tenant: delivery.tenant,
    }, this.messages);
    trace?.typed(resolved.type);
    const invalid = this.payloadChecks?.inspect(event) ?? false;
    const namespace = delivery.tenant === undefined ? this.namespace : dedupeNamespace(this.account, delivery.tenant);
    const keys = dedupeKeys(delivery.id, resolved.type, resolved.payload, namespace);
    // An invalid copy claims its delivery id only: its message key would make the valid copy under another id a duplicate.
    let claim = await this.claims.claim(invalid ? keys.slice(0, 1) : keys);
    if (claim === 'done') {
      return DUPLICATE;
    }
    if (invalid) {
      this.payloadChecks!.report(event);
    } else if (this.order) {
      // An invalid payload's status cannot be trusted to order anything.
      const ordered = await this.order(event, claim);
      if (ordered === 'stale') {
        return STALE;
      }
      claim = ordered;
    }
    const handedOff = this.dispatcher.handOff(event, claim);
    // In `background` mode there is nothing to wait for: no tick spent on it.
    if (handedOff) {
      await handedOff;
    }
    this.lastAccepted.accept();
    return invalid ? INVALID : RECEIVED;
  }

  /** Said once per type: guessing from the shape is a last resort, and its rules can be wrong. */
  private warnGuessed(type: string): void {
    if (!this.guessedTypes.has(type)) {
      this.guessedTypes.add(type);
      this.logger.warn(
        `A delivery was typed ${type} from its payload's shape alone, a last resort that a payload change can fool. ` +
          `Name the type: one Wazapin endpoint per event type, posting to .../${type}, or the eventTypeHeader option.`,
      );
    }
  }
}
