import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { MAX_IDENTIFIER_LENGTH } from '../accounts/wazapin-account.js';

/** The longest route parameter Fastify takes unless told otherwise. */
const FASTIFY_DEFAULT_MAX_PARAM_LENGTH = 100;

/** Fastify answers 414 to a route parameter longer than its `maxParamLength`, before any route runs. */
export function warnAboutShortFastifyParams(adapterHost: HttpAdapterHost | undefined, account: string): void {
  const adapter = adapterHost?.httpAdapter;
  if (adapter?.getType() !== 'fastify') {
    return;
  }
  const config = adapter.getInstance<{ initialConfig?: { maxParamLength?: number; routerOptions?: { maxParamLength?: number } } }>().initialConfig;
  // Fastify 5 takes it in routerOptions (the top-level option is deprecated); 0 means the default.
  const maxParamLength = config?.routerOptions?.maxParamLength || config?.maxParamLength || FASTIFY_DEFAULT_MAX_PARAM_LENGTH;
  if (maxParamLength < MAX_IDENTIFIER_LENGTH) {
    new Logger('WazapinWebhooks').warn(
      `Registration "${account}" takes tenant ids of up to ${MAX_IDENTIFIER_LENGTH} characters, but Fastify answers 414 to route parameters ` +
        `longer than ${maxParamLength}: create the app with new FastifyAdapter({ routerOptions: { maxParamLength: ${MAX_IDENTIFIER_LENGTH} } })`,
    );
  }
}
