import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { WazapinWebhooksModuleExtras, WazapinWebhooksModuleOptions } from './interfaces/wazapin-webhooks-options.interface.js';
import { createWazapinWebhookController } from './receiving/wazapin-webhook.controller.js';
import { WAZAPIN_DEFAULT_PATH, WAZAPIN_MODULE_DEFINITION, WAZAPIN_WEBHOOKS_MODULE_OPTIONS } from './wazapin-webhooks.constants.js';
import type { WazapinModuleDefinition } from './wazapin-webhooks.options.js';
import { queueProviders } from './wazapin-webhooks.providers.js';

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
    // `extras` holds every top-level option of forRoot, and every key beside useFactory of
    // forRootAsync: `dispatch` is read there (not declared an extra, so forRoot's options keep it).
    (definition, extras) => {
      const fixed: WazapinModuleDefinition = {
        path: extras.path ?? WAZAPIN_DEFAULT_PATH,
        version: extras.version,
        dispatch: extras.dispatch,
        queued: extras.dispatch === 'queue',
      };
      return {
        ...definition,
        global: extras.isGlobal,
        providers: [...(definition.providers ?? []), { provide: WAZAPIN_MODULE_DEFINITION, useValue: fixed }, ...(fixed.queued ? queueProviders : [])],
        controllers: [createWazapinWebhookController(fixed.path, fixed.version, extras.controllerDecorators ?? [])],
      };
    },
  )
  .build();
