import {
  type DynamicModule,
  type INestApplication,
  type InjectionToken,
  Module,
  type ModuleMetadata,
  type NestApplicationOptions,
  type Type,
} from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import type { WazapinWebhooksModuleOptions } from '../interfaces/wazapin-webhooks-options.interface.js';
import { splitWebhookSecrets } from '../signature/webhook-secret.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { WAZAPIN_DEFAULT_PATH } from '../wazapin-webhooks.constants.js';
import { WazapinWebhooksModule } from '../wazapin-webhooks.module.js';
import { generateWazapinSecret } from './sign-wazapin-delivery.js';
import { WazapinTestingApp } from './wazapin-testing-app.js';

/**
 * A provider of the app replaced for the test, wherever it is declared (an imported module's included).
 *
 * @publicApi
 */
export type WazapinProviderOverride =
  | { provide: InjectionToken; useValue: unknown }
  | { provide: InjectionToken; useClass: Type<unknown> }
  | { provide: InjectionToken; useFactory: (...args: never[]) => unknown; inject?: InjectionToken[] };

/**
 * Input of {@link createWazapinTestingModule}.
 *
 * @publicApi
 */
export interface WazapinTestingModuleOptions extends Pick<ModuleMetadata, 'imports' | 'providers' | 'controllers'> {
  /**
   * Options of the `WazapinWebhooksModule` under test. Default: one generated secret (none
   * with `tenants`), and `dispatch: 'inline'` so a delivery resolves once its handlers have run.
   * With `dispatch: 'background'`, `handlerRetries` waits 1 ms between runs unless given, so a
   * test of a failing handler does not wait out the backoff.
   */
  webhooks?: Partial<WazapinWebhooksModuleOptions>;
  /** Route of the webhook controller. Default `webhooks/wazapin`. */
  path?: string;
  /**
   * Providers to replace, also those of imported modules (e.g. your `AppModule`'s `CrmClient`),
   * through `@nestjs/testing`'s `overrideProvider`, which must then be installed.
   */
  overrides?: readonly WazapinProviderOverride[];
  /** Port on 127.0.0.1, e.g. one an emulator's endpoint points at. Default: a free one. */
  port?: number;
  /** An HTTP adapter, e.g. `new FastifyAdapter()`. Default: Express. */
  httpAdapter?: AbstractHttpAdapter;
  /** Nest's logger setting. Default: errors and warnings only. */
  logger?: NestApplicationOptions['logger'];
}

@Module({})
class WazapinTestingRootModule {}

async function loadNestTesting(): Promise<typeof import('@nestjs/testing')> {
  try {
    return await import('@nestjs/testing');
  } catch {
    throw new WazapinConfigurationError('createWazapinTestingModule: overrides need @nestjs/testing. Install it with `npm install -D @nestjs/testing`.');
  }
}

/** The app, through `@nestjs/testing` when providers are overridden, else through NestFactory. */
async function createApp(root: DynamicModule, options: WazapinTestingModuleOptions, appOptions: NestApplicationOptions): Promise<INestApplication> {
  if (!options.overrides?.length) {
    return options.httpAdapter ? NestFactory.create(root, options.httpAdapter, appOptions) : NestFactory.create(root, appOptions);
  }
  const { Test } = await loadNestTesting();
  let builder = Test.createTestingModule({ imports: [root] });
  for (const override of options.overrides) {
    const replaced = builder.overrideProvider(override.provide);
    builder =
      'useValue' in override
        ? replaced.useValue(override.useValue)
        : 'useClass' in override
          ? replaced.useClass(override.useClass)
          : replaced.useFactory({ factory: override.useFactory, inject: override.inject });
  }
  const compiled = await builder.compile();
  return options.httpAdapter ? compiled.createNestApplication(options.httpAdapter, appOptions) : compiled.createNestApplication(appOptions);
}

/**
 * Boots a Nest app with `WazapinWebhooksModule` and the given handlers, with `rawBody` on as in
 * production, listening on a loopback port. Deliver typed, signed events to it with `deliver()`
 * and close it after the test.
 *
 * @example
 * ```ts
 * const wazapin = await createWazapinTestingModule({ providers: [MessagesHandler] });
 * await wazapin.deliver('message.new', { from_phone: '6281234567890' });
 * await wazapin.close();
 * ```
 *
 * @publicApi
 */
export async function createWazapinTestingModule(options: WazapinTestingModuleOptions = {}): Promise<WazapinTestingApp> {
  const tenants = options.webhooks?.tenants;
  const secrets = tenants ? [] : splitWebhookSecrets(options.webhooks?.secrets ?? generateWazapinSecret());
  const path = options.path ?? WAZAPIN_DEFAULT_PATH;
  const root: DynamicModule = {
    module: WazapinTestingRootModule,
    imports: [
      WazapinWebhooksModule.forRoot({
        dispatch: 'inline',
        ...(options.webhooks?.dispatch === 'background' ? { handlerRetries: { backoffMs: 1, maxBackoffMs: 1 } } : {}),
        ...options.webhooks,
        secrets: tenants ? undefined : secrets,
        path,
      }),
      ...(options.imports ?? []),
    ],
    providers: options.providers,
    controllers: options.controllers,
  };
  const app = await createApp(root, options, { rawBody: true, abortOnError: false, logger: options.logger ?? ['error', 'warn'] });
  try {
    await app.listen(options.port ?? 0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return new WazapinTestingApp(app, `http://127.0.0.1:${port}/${path.replace(/^\/+|\/+$/g, '')}`, secrets, tenants?.secrets);
}
