import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { errorMessage } from '../utils/error-message.js';
import { printable } from '../utils/printable.js';
import { WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { WazapinWebhooksApiService } from './wazapin-webhooks-api.service.js';

/**
 * Runs `syncEndpoint` at application bootstrap when the module's `autoRegister` option is set.
 * A failure is logged and the app starts anyway, unless `autoRegister.required` is true.
 */
@Injectable()
export class WazapinEndpointRegistrar implements OnApplicationBootstrap {
  private readonly logger = new Logger('WazapinWebhooksApi');
  /** The endpoint synced at bootstrap, once it is. */
  endpointId?: string;

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    private readonly api: WazapinWebhooksApiService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const register = this.options.autoRegister;
    if (!register) {
      return;
    }
    try {
      const { action, endpoint } = await this.api.syncEndpoint({
        url: register.url,
        eventTypes: register.eventTypes,
        description: register.description,
      });
      this.endpointId = endpoint.id;
      const filter = endpoint.event_types?.length ? endpoint.event_types.join(', ') : 'all events';
      this.logger.log(`Webhook endpoint ${printable(endpoint.id)} for ${register.url} ${action} (${printable(filter)})`);
      if (endpoint.disabled) {
        this.logger.warn(`Webhook endpoint ${printable(endpoint.id)} is disabled in Wazapin: it receives nothing until re-enabled`);
      }
      if (action === 'created') {
        await register.onCreated?.(endpoint);
      }
    } catch (error) {
      const reason = errorMessage(error);
      if (register.required) {
        throw error;
      }
      this.logger.error(`Could not register the webhook endpoint for ${register.url}: ${reason}; the app starts without it`);
    }
  }
}
