import type { INestApplication, Type } from '@nestjs/common';
import type { WazapinEventType } from '../events/wazapin-event-type.js';
import { BackgroundDispatcher } from '../dispatch/background.dispatcher.js';
import { splitWebhookSecrets } from '../signature/webhook-secret.js';
import type { WazapinTenantSecretsResolver } from '../tenants/wazapin-tenants-options.interface.js';
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
  /**
   * With `tenants`: post for this tenant (`<url>/<tenant>`), signed with the secrets the app's
   * `tenants.secrets` resolver returns for it unless `secret(s)` are given.
   */
  tenant?: string;
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
    /** The secrets the module verifies with; deliveries are signed with them. None with `tenants`. */
    readonly secrets: readonly string[],
    private readonly tenantSecrets?: WazapinTenantSecretsResolver,
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
   * handler failure answers 500. With `tenants`, name the tenant in `options.tenant`.
   */
  async deliver<T extends WazapinEventType>(
    type: T,
    payload?: WazapinPayloadOverrides<T>,
    options: WazapinTestDeliveryOptions = {},
  ): Promise<WazapinDeliveryResult<T>> {
    const { tenant, ...delivery } = options;
    const url = tenant === undefined ? this.url : `${this.url}/${encodeURIComponent(tenant)}`;
    const signing = options.secret !== undefined || options.secrets !== undefined ? {} : { secrets: await this.signingSecrets(tenant) };
    return deliverWazapinEvent({ ...delivery, ...signing, url, type, payload });
  }

  private async signingSecrets(tenant: string | undefined): Promise<string[]> {
    if (!this.tenantSecrets) {
      return [...this.secrets];
    }
    if (tenant === undefined) {
      throw new Error('WazapinTestingApp.deliver: the app serves tenants; name one in options.tenant');
    }
    const secrets = splitWebhookSecrets((await this.tenantSecrets(tenant)) ?? undefined);
    if (secrets.length === 0) {
      throw new Error(`WazapinTestingApp.deliver: tenants.secrets knows no secret of tenant ${tenant}; pass options.secret to sign with one`);
    }
    return secrets;
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
