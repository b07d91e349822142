import { type DynamicModule, type INestApplication, Module, type ModuleMetadata, type NestApplicationOptions } from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import type { WazapinWebhooksModuleOptions } from '../interfaces/wazapin-webhooks-options.interface.js';
import { splitWebhookSecrets } from '../signature/webhook-secret.js';
import { WAZAPIN_DEFAULT_PATH } from '../wazapin-webhooks.constants.js';
import { WazapinWebhooksModule } from '../wazapin-webhooks.module.js';
import { generateWazapinSecret } from './sign-wazapin-delivery.js';
import { WazapinTestingApp } from './wazapin-testing-app.js';

/** Input of {@link createWazapinTestingModule}. */
export interface WazapinTestingModuleOptions extends Pick<ModuleMetadata, 'imports' | 'providers' | 'controllers'> {
  /**
   * Options of the `WazapinWebhooksModule` under test. Default: one generated secret, and
   * `dispatch: 'inline'` so a delivery resolves once its handlers have run.
   */
  webhooks?: Partial<WazapinWebhooksModuleOptions>;
  /** Route of the webhook controller. Default `webhooks/wazapin`. */
  path?: string;
  /** An HTTP adapter, e.g. `new FastifyAdapter()`. Default: Express. */
  httpAdapter?: AbstractHttpAdapter;
  /** Nest's logger setting. Default: errors and warnings only. */
  logger?: NestApplicationOptions['logger'];
}

@Module({})
class WazapinTestingRootModule {}

/**
 * Boots a Nest app with `WazapinWebhooksModule` and the given handlers, with `rawBody` on as in
 * production, listening on a free loopback port. Deliver typed, signed events to it with
 * `deliver()` and close it after the test.
 *
 * @example
 * ```ts
 * const wazapin = await createWazapinTestingModule({ providers: [MessagesHandler] });
 * await wazapin.deliver('message.new', { from_phone: '6281234567890' });
 * await wazapin.close();
 * ```
 */
export async function createWazapinTestingModule(options: WazapinTestingModuleOptions = {}): Promise<WazapinTestingApp> {
  const secrets = splitWebhookSecrets(options.webhooks?.secrets ?? generateWazapinSecret());
  const path = options.path ?? WAZAPIN_DEFAULT_PATH;
  const root: DynamicModule = {
    module: WazapinTestingRootModule,
    imports: [
      WazapinWebhooksModule.forRoot({ dispatch: 'inline', ...options.webhooks, secrets, path }),
      ...(options.imports ?? []),
    ],
    providers: options.providers,
    controllers: options.controllers,
  };
  const appOptions: NestApplicationOptions = {
    rawBody: true,
    abortOnError: false,
    logger: options.logger ?? ['error', 'warn'],
  };
  const app: INestApplication = options.httpAdapter
    ? await NestFactory.create(root, options.httpAdapter, appOptions)
    : await NestFactory.create(root, appOptions);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return new WazapinTestingApp(app, `http://127.0.0.1:${port}/${path.replace(/^\/+|\/+$/g, '')}`, secrets);
}
