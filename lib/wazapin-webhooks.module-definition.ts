import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { WazapinWebhooksModuleExtras, WazapinWebhooksModuleOptions } from './interfaces/wazapin-webhooks-options.interface.js';
import { createWazapinWebhookController } from './receiving/wazapin-webhook.controller.js';
import { WAZAPIN_DEFAULT_PATH, WAZAPIN_ROUTE_PATH, WAZAPIN_ROUTE_VERSION, WAZAPIN_WEBHOOKS_MODULE_OPTIONS } from './wazapin-webhooks.constants.js';

export const {
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WazapinWebhooksModuleOptions>({
  moduleName: 'WazapinWebhooks',
  optionsInjectionToken: WAZAPIN_WEBHOOKS_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras<WazapinWebhooksModuleExtras>(
    { isGlobal: false, path: WAZAPIN_DEFAULT_PATH, controllerDecorators: [] },
    (definition, extras) => {
      const path = extras.path ?? WAZAPIN_DEFAULT_PATH;
      return {
        ...definition,
        global: extras.isGlobal,
        providers: [
          ...(definition.providers ?? []),
          { provide: WAZAPIN_ROUTE_PATH, useValue: path },
          { provide: WAZAPIN_ROUTE_VERSION, useValue: extras.version },
        ],
        controllers: [createWazapinWebhookController(path, extras.version, extras.controllerDecorators ?? [])],
      };
    },
  )
  .build();
