import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { WazapinDeadLetters } from '../dead-letters/wazapin-dead-letters.service.js';
import { WazapinDeliveryQueue } from '../queue/wazapin-delivery.queue.js';
import { WAZAPIN_OPTIONS, WAZAPIN_TELEMETRY } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import type { WazapinTelemetry } from './wazapin-telemetry.interface.js';

/**
 * Reports the registration's gauges while the app runs: the queue's waiting jobs in
 * `dispatch: 'queue'`, and the dead letters where there are any (`background`, `queue`). They are
 * read only when the app's SDK collects metrics.
 */
@Injectable()
export class TelemetryGauges implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stop?: () => void;

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    @Inject(WAZAPIN_TELEMETRY) private readonly telemetry: WazapinTelemetry,
    private readonly deadLetters: WazapinDeadLetters,
    @Optional() private readonly queue?: WazapinDeliveryQueue,
  ) {}

  onApplicationBootstrap(): void {
    const { dispatch } = this.options;
    this.stop = this.telemetry.observe({
      queueWaiting: dispatch === 'queue' && this.queue ? () => this.queue!.waiting() : undefined,
      deadLetters: dispatch === 'inline' ? undefined : () => this.deadLetters.count(),
    });
  }

  beforeApplicationShutdown(): void {
    this.stop?.();
  }
}
