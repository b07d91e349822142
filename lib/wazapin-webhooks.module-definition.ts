import { ConfigurableModuleBuilder } from '@nestjs/common';
import { getWazapinApiToken } from './accounts/inject-wazapin-api.decorator.js';
import { WAZAPIN_DEFAULT_ACCOUNT } from './accounts/wazapin-account.js';
import { WazapinWebhooksApiService } from './api/wazapin-webhooks-api.service.js';
import { getWazapinDeadLettersToken } from './dead-letters/inject-wazapin-dead-letters.decorator.js';
import { WazapinDeadLetters } from './dead-letters/wazapin-dead-letters.service.js';
import type { WazapinWebhooksModuleExtras, WazapinWebhooksModuleOptions } from './interfaces/wazapin-webhooks-options.interface.js';
import { createWazapinWebhookController } from './receiving/wazapin-webhook.controller.js';
import { WAZAPIN_DEFAULT_PATH, WAZAPIN_MODULE_DEFINITION, WAZAPIN_WEBHOOKS_MODULE_OPTIONS } from './wazapin-webhooks.constants.js';
import type { WazapinModuleDefinition } from './wazapin-webhooks.options.js';
import { queueProviders, tenantVerifiersProvider, verifierProvider } from './wazapin-webhooks.providers.js';

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
    // forRootAsync: `name`, `dispatch` and `tenants` are read there (not declared extras, so
    // forRoot's options keep them).
    (definition, extras) => {
      const fixed: WazapinModuleDefinition = {
        name: extras.name ?? WAZAPIN_DEFAULT_ACCOUNT,
        path: extras.path ?? WAZAPIN_DEFAULT_PATH,
        version: extras.version,
        dispatch: extras.dispatch,
        queued: extras.dispatch === 'queue',
        tenants: extras.tenants !== undefined && extras.tenants !== false,
        tenantsOptions: typeof extras.tenants === 'object' ? extras.tenants : undefined,
      };
      const apiToken = getWazapinApiToken(fixed.name);
      const deadLettersToken = getWazapinDeadLettersToken(fixed.name);
      return {
        ...definition,
        global: extras.isGlobal,
        providers: [
          ...(definition.providers ?? []),
          { provide: WAZAPIN_MODULE_DEFINITION, useValue: fixed },
          fixed.tenants ? tenantVerifiersProvider : verifierProvider,
          ...(fixed.queued ? queueProviders : []),
          { provide: apiToken, useExisting: WazapinWebhooksApiService },
          { provide: deadLettersToken, useExisting: WazapinDeadLetters },
        ],
        controllers: [createWazapinWebhookController(fixed, extras.controllerDecorators ?? [])],
        // By class only from the default registration: with several, which one a class stands for would be a guess.
        exports:
          fixed.name === WAZAPIN_DEFAULT_ACCOUNT
            ? [apiToken, WazapinWebhooksApiService, deadLettersToken, WazapinDeadLetters]
            : [apiToken, deadLettersToken],
      };
    },
  )
  .build();
