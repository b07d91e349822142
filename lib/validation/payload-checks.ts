import { Injectable, Logger } from '@nestjs/common';
import { WazapinEventEmitter } from '../events/wazapin-event-emitter.js';
import type { WazapinEvent } from '../events/wazapin-event.interface.js';
import { printable } from '../utils/printable.js';
import { WazapinWebhookEvents } from '../wazapin-webhooks.constants.js';
import { validateWazapinPayload } from './payload-validator.js';
import type { WazapinPayloadInvalid } from './wazapin-payload-invalid.interface.js';

/**
 * `validatePayloads`: marks an event whose payload fails its DTO (`event.invalid`), says each
 * failing field of a type once (the set is bounded: violations name DTO fields only), and
 * reports each such delivery as `WazapinWebhookEvents.PayloadInvalid`.
 */
@Injectable()
export class PayloadChecks {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly said = new Set<string>();

  constructor(private readonly events: WazapinEventEmitter) {}

  /** Sets `event.invalid` when the payload fails; true then. */
  inspect(event: WazapinEvent): boolean {
    const violations = validateWazapinPayload(event.type, event.payload as Record<string, unknown>);
    if (violations === undefined) {
      return false;
    }
    (event as { invalid?: unknown }).invalid = violations;
    for (const { field, message } of violations) {
      const said = `${event.type}\u0000${field}`;
      if (!this.said.has(said)) {
        this.said.add(said);
        this.logger.warn(
          `A ${event.type} payload failed validation (${message}); such deliveries go to wildcard handlers only, with event.invalid ` +
            `(delivery ${printable(event.id)}; said once per type and field)`,
        );
      }
    }
    return true;
  }

  /** Emits an invalid event once it is claimed, so a retry already handled is not reported twice. */
  report(event: WazapinEvent): void {
    const report: WazapinPayloadInvalid = { event, violations: event.invalid! };
    this.events.emit(WazapinWebhookEvents.PayloadInvalid, report);
  }
}
