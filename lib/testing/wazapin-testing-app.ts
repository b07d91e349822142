import type { INestApplication, Type } from '@nestjs/common';
import type { WazapinEventType } from '../events/wazapin-event-type.js';
import { BackgroundDispatcher } from '../dispatch/background.dispatcher.js';
import { WAZAPIN_DISPATCHER } from '../wazapin-webhooks.constants.js';
import { deliverWazapinEvent, type WazapinDeliveryOptions, type WazapinDeliveryResult } from './deliver-wazapin-event.js';
import type { WazapinPayloadOverrides } from './sample-wazapin-payload.js';

/**
 * Per-delivery options of {@link WazapinTestingApp.deliver}.
 *
 * @publicApi
 */
export interface WazapinTestDeliveryOptions extends WazapinDeliveryOptions {
  /** Sign with these secret(s) instead of the app's, e.g. to test a rejection. */
  secret?: string;
  secrets?: string | string[];
}

/**
 * A Nest app made by `createWazapinTestingModule`, listening on loopback, with the module
 * configured with known secrets. Close it after the test.
 *
 * @publicApi
 */
export class WazapinTestingApp {
  constructor(
    /** The running app. */
    readonly app: INestApplication,
    /** URL of the webhook route, e.g. `http://127.0.0.1:41234/webhooks/wazapin`. */
    readonly url: string,
    /** The secrets the module verifies with; deliveries are signed with them. */
    readonly secrets: readonly string[],
  ) {}

  /** The first signing secret. */
  get secret(): string {
    return this.secrets[0];
  }

  /** A provider of the app, e.g. a handler to inspect. */
  get<T>(token: Type<T> | string | symbol): T {
    return this.app.get<T>(token);
  }

  /**
   * Signs an event with the app's secret and POSTs it to the webhook route over HTTP.
   * `payload` fields are set on top of a realistic sample of `type`. With the testing
   * module's default `inline` dispatch, the handlers have finished when this resolves, and a
   * handler failure answers 500.
   */
  deliver<T extends WazapinEventType>(
    type: T,
    payload?: WazapinPayloadOverrides<T>,
    options: WazapinTestDeliveryOptions = {},
  ): Promise<WazapinDeliveryResult<T>> {
    const signing = options.secret !== undefined || options.secrets !== undefined ? {} : { secrets: [...this.secrets] };
    return deliverWazapinEvent({ ...options, ...signing, url: this.url, type, payload });
  }

  /**
   * Resolves once every handler started in `background` dispatch has finished, so a test can
   * deliver with the app's real dispatch mode and then assert. With `inline` there is nothing
   * to wait for.
   */
  async settled(): Promise<void> {
    const dispatcher: unknown = this.app.get(WAZAPIN_DISPATCHER, { strict: false });
    if (dispatcher instanceof BackgroundDispatcher) {
      await dispatcher.settled();
    }
  }

  /** Closes the app and its HTTP server. */
  close(): Promise<void> {
    return this.app.close();
  }
}
