import type { WazapinKnownEventType, WazapinWebhooksApiService } from '../../lib/index.js';
import type { WazapinEmulator } from '../../lib/testing/index.js';
import type { ScriptedStep } from './scripted-day.js';

/** Makes the platform send the day's events to the sample's endpoints. */
export interface DayEventSource {
  /** Said once, before the day. */
  readonly description: string;
  /** The steps this source can play. */
  plan(steps: readonly ScriptedStep[]): ScriptedStep[];
  /** Has the event sent; resolves with its delivery id. */
  send(step: ScriptedStep): Promise<string>;
}

/** The in-process emulator publishes each scripted payload, as if it happened on Wazapin. */
export class EmulatorEventSource implements DayEventSource {
  readonly description = 'the in-process emulator publishes the scripted events';

  constructor(private readonly emulator: WazapinEmulator) {}

  plan(steps: readonly ScriptedStep[]): ScriptedStep[] {
    return [...steps];
  }

  async send(step: ScriptedStep): Promise<string> {
    return this.emulator.publish(step.type, step.payload, step.text === undefined ? {} : { message: { text: step.text } }).messageId;
  }
}

/**
 * Another Wazapin (the real one, or `wazapin-webhooks emulator`) only sends test deliveries,
 * with payloads of its choosing: one per event type, since a fixed sample payload sent twice
 * would be (rightly) deduplicated by its message id.
 */
export class TestDeliveryEventSource implements DayEventSource {
  readonly description = "Wazapin's test deliveries (it picks the payloads)";

  constructor(
    private readonly api: WazapinWebhooksApiService,
    private readonly endpoints: ReadonlyMap<WazapinKnownEventType, { id: string }>,
  ) {}

  plan(steps: readonly ScriptedStep[]): ScriptedStep[] {
    return steps.filter((step, index) => steps.findIndex((other) => other.type === step.type) === index);
  }

  async send(step: ScriptedStep): Promise<string> {
    const sent = await this.api.sendTestDelivery(this.endpoints.get(step.type)!.id, { event_type: step.type });
    if (typeof sent.message_id !== 'string') {
      throw new Error(`Wazapin accepted the ${step.type} test delivery but did not say its message id`);
    }
    return sent.message_id;
  }
}
