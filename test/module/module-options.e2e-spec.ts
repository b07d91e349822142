import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, NestFactory, Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import {
  type ArgumentsHost,
  Catch,
  HttpException,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  Injectable,
  Module,
  type NestInterceptor,
  SetMetadata,
  VersioningType,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  OnWazapinEvent,
  WazapinWebhooksModule,
  type WazapinEvent,
  type WazapinWebhooksModuleOptions,
  type WazapinWebhooksOptionsFactory,
} from '../../lib/index.js';
import { generateWazapinSecret, signWazapinDelivery } from '../../lib/testing/index.js';
import { waitUntil } from '../support/wait-until.js';
import { ADAPTERS, startTestApp, type TestApp } from '../support/webhook-app.js';

const IS_PUBLIC = 'is-public';
const Public = () => SetMetadata(IS_PUBLIC, true);

/** An app-wide auth guard of the kind that blocks webhook routes in other libraries. */
@Injectable()
class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
  }
}

/** An app-wide filter that rewrites every error; it must not touch the webhook route's answers. */
@Catch()
class TeapotFilter implements ExceptionFilter {
  catch(_error: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse();
    if (typeof response.code === 'function') {
      response.code(418).send({ teapot: true });
    } else {
      response.status(418).json({ teapot: true });
    }
  }
}

const events: WazapinEvent[] = [];

@Injectable()
class Handlers {
  @OnWazapinEvent('*')
  all(event: WazapinEvent) {
    events.push(event);
  }
}

const first = generateWazapinSecret();
const second = generateWazapinSecret();
const statusUpdate = (status: string) => ({ message_id: 'wamid-1', conversation_id: 'conv-1', status, organization_id: 'org_123' });

beforeEach(() => {
  events.length = 0;
});

describe.each(ADAPTERS)('module options on %s', (adapter) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const boot = (options: Partial<WazapinWebhooksModuleOptions>, extras: object = {}, appOptions = {}) =>
    startTestApp(
      adapter,
      {
        imports: [WazapinWebhooksModule.forRoot({ secrets: first, dispatch: 'inline', ...options, ...extras })],
        providers: [Handlers],
      },
      appOptions,
    );

  it('forRootAsync reads secrets from ConfigService; a comma-separated pair accepts either (rotation)', async () => {
    process.env.TEST_WAZAPIN_SECRETS = `${first}, ${second}`;
    t = await startTestApp(adapter, {
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true }),
        WazapinWebhooksModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ secrets: config.getOrThrow<string>('TEST_WAZAPIN_SECRETS'), dispatch: 'inline' }),
        }),
      ],
      providers: [Handlers],
    });
    expect((await t.deliver({ secret: first, body: { a: 1 } })).status).toBe(200);
    expect((await t.deliver({ secret: second, body: { a: 2 } })).status).toBe(200);
    expect((await t.deliver({ secrets: [generateWazapinSecret(), second], body: { a: 3 } })).status).toBe(200);
    expect((await t.deliver({ secret: generateWazapinSecret(), body: { a: 4 } })).status).toBe(401);
    expect(events.map((event) => event.payload.a)).toEqual([1, 2, 3]);
  });

  it('forRootAsync takes a class implementing WazapinWebhooksOptionsFactory, with its own dependencies', async () => {
    process.env.TEST_WAZAPIN_SECRET = first;
    @Injectable()
    class WazapinOptions implements WazapinWebhooksOptionsFactory {
      constructor(private readonly config: ConfigService) {}
      create(): WazapinWebhooksModuleOptions {
        return { secrets: this.config.getOrThrow<string>('TEST_WAZAPIN_SECRET'), dispatch: 'inline' };
      }
    }
    t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRootAsync({ imports: [ConfigModule.forRoot({ ignoreEnvFile: true })], useClass: WazapinOptions }),
      ],
      providers: [Handlers],
    });
    expect((await t.deliver({ secret: first, body: { a: 1 } })).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('serves a custom path below the global prefix', async () => {
    t = await boot({}, { path: 'hooks/wa' }, { globalPrefix: 'api' });
    expect((await t.deliver({ secret: first, body: { a: 1 } }, '/api/hooks/wa')).status).toBe(200);
    expect((await t.deliver({ secret: first, body: { a: 1 } }, '/hooks/wa')).status).toBe(404);
  });

  it('stays on its path when the app versions its routes by URI with a default version', async () => {
    t = await boot({}, {}, { versioning: { type: VersioningType.URI, defaultVersion: '1' } });
    expect((await t.deliver({ secret: first, body: { a: 1 } })).status).toBe(200);
    expect((await t.deliver({ secret: first, body: { a: 2 } }, '/webhooks/wazapin/message.new')).status).toBe(200);
    expect(events).toHaveLength(2);
  });

  it('answers without a version header when the app versions by header with a default version', async () => {
    t = await boot({}, {}, { versioning: { type: VersioningType.HEADER, header: 'x-api-version', defaultVersion: '2' } });
    expect((await t.deliver({ secret: first, body: { a: 1 } })).status).toBe(200);
  });

  it('takes a version of its own with the version option', async () => {
    t = await boot({}, { version: '3' }, { versioning: { type: VersioningType.URI } });
    expect((await t.deliver({ secret: first, body: { a: 1 } }, '/v3/webhooks/wazapin')).status).toBe(200);
    expect((await t.deliver({ secret: first, body: { a: 1 } }, '/webhooks/wazapin')).status).toBe(404);
    // Body errors on the versioned route are still answered by the route.
    const signed = signWazapinDelivery({ secret: first, body: 'not json' });
    const garbage = await t.post({ ...signed.headers, 'content-type': 'application/json' }, signed.body, '/v3/webhooks/wazapin');
    expect(garbage).toMatchObject({ status: 400, json: { message: 'Webhook body is not valid JSON' } });
  });

  it('controllerDecorators let the route through an app-wide auth guard', async () => {
    const guarded = { provide: APP_GUARD, useClass: AuthGuard };
    t = await startTestApp(adapter, {
      imports: [WazapinWebhooksModule.forRoot({ secrets: first })],
      providers: [guarded],
    });
    expect((await t.deliver({ secret: first, body: { a: 1 } })).status).toBe(403);
    await t.close();

    t = await startTestApp(adapter, {
      imports: [
        WazapinWebhooksModule.forRootAsync({
          controllerDecorators: [Public()],
          useFactory: () => ({ secrets: first, dispatch: 'inline' as const }),
        }),
      ],
      providers: [guarded, Handlers],
    });
    expect((await t.deliver({ secret: first, body: { a: 1 } })).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('answers its receipt as JSON whatever an app-wide interceptor does to responses, and without an ETag', async () => {
    @Injectable()
    class Envelope implements NestInterceptor {
      intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
        return next.handle().pipe(map((data: unknown) => ({ data })));
      }
    }
    t = await startTestApp(adapter, {
      imports: [WazapinWebhooksModule.forRoot({ secrets: first })],
      providers: [{ provide: APP_INTERCEPTOR, useClass: Envelope }],
    });
    const delivery = signWazapinDelivery({ secret: first, body: { a: 1 } });
    const answer = await fetch(`${t.url}/webhooks/wazapin`, { method: 'POST', headers: delivery.headers, body: delivery.body });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('etag')).toBeNull();
    expect(await answer.text()).toBe('{"received":true}');
    const repeat = await fetch(`${t.url}/webhooks/wazapin`, { method: 'POST', headers: delivery.headers, body: delivery.body });
    expect(await repeat.text()).toBe('{"received":true,"duplicate":true}');
  });

  it("forRootAsync takes a dispatch mode given beside useFactory: inline there answers a handler's failure 500", async () => {
    @Injectable()
    class Failing {
      @OnWazapinEvent('*')
      fail(): void {
        throw new Error('downstream down');
      }
    }
    t = await startTestApp(adapter, {
      imports: [WazapinWebhooksModule.forRootAsync({ dispatch: 'inline', useFactory: () => ({ secrets: first }) })],
      providers: [Failing],
    });
    expect((await t.deliver({ secret: first, body: { a: 1 } })).status).toBe(500);
  });

  it("an app-wide exception filter does not change the route's statuses", async () => {
    t = await startTestApp(adapter, {
      imports: [WazapinWebhooksModule.forRoot({ secrets: first })],
      providers: [{ provide: APP_FILTER, useClass: TeapotFilter }],
    });
    const response = await t.deliver({ secret: second, body: { a: 1 } });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it("answers in JSON an HttpException whose response is a string, as a rate limiter's guard throws", async () => {
    /** What `@nestjs/throttler`'s app-wide guard does when the limit is hit. */
    @Injectable()
    class RateLimited implements CanActivate {
      canActivate(): boolean {
        throw new HttpException('ThrottlerException: Too Many Requests', 429);
      }
    }
    t = await startTestApp(adapter, {
      imports: [WazapinWebhooksModule.forRoot({ secrets: first })],
      providers: [{ provide: APP_GUARD, useClass: RateLimited }],
    });
    const response = await fetch(`${t.url}/webhooks/wazapin`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });

    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'ThrottlerException: Too Many Requests' });
  });

  it("warns once per type when a delivery's type comes from its payload's shape", async () => {
    t = await boot({});
    for (let i = 0; i < 3; i++) {
      await t.deliver({ secret: first, body: { ...statusUpdate('pending'), message_id: `wamid-pending-${i}` } });
      await t.deliver({ secret: first, body: { conversation_id: `c${i}`, status: 'open' } });
    }
    await t.deliver({ secret: first, body: statusUpdate('read') }, '/webhooks/wazapin/message.status_update');

    expect(events.map((event) => [event.type, event.typeSource])).toEqual([
      ...Array.from({ length: 3 }, () => [['message.status_update', 'shape'], ['conversation.updated', 'shape']]).flat(),
      ['message.status_update', 'path'],
    ]);
    const warnings = t.logger.lines.filter((line) => line.level === 'warn' && /payload's shape/.test(line.message));
    expect(warnings.map((line) => line.message)).toEqual([
      expect.stringMatching(/typed message\.status_update .*\.\.\.\/message\.status_update, or the eventTypeHeader option/),
      expect.stringMatching(/typed conversation\.updated/),
    ]);
  });

  it('accepts webhook-* headers as well as svix-* headers', async () => {
    t = await boot({});
    expect((await t.deliver({ secret: first, body: { a: 1 }, headers: 'webhook' })).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('resolves the type from the configured header for a flat body', async () => {
    t = await boot({ eventTypeHeader: 'X-Wazapin-Event' });
    const signed = signWazapinDelivery({ secret: first, body: { conversation_id: 'c1', status: 'open' } });
    await t.post({ ...signed.headers, 'x-wazapin-event': 'conversation.updated' }, signed.body);
    expect(events[0]).toMatchObject({ type: 'conversation.updated', typeSource: 'header' });
  });

  it('unwraps an envelope body and takes its event_type', async () => {
    t = await boot({});
    await t.deliver({ secret: first, body: { event_id: 'evt_1', event_type: 'message.status_update', data: statusUpdate('read') } });
    expect(events[0]).toMatchObject({ type: 'message.status_update', typeSource: 'envelope', payload: statusUpdate('read') });
  });

  it('deduplicates one status of one message sent under two delivery ids; another status passes', async () => {
    t = await boot({});
    const path = '/webhooks/wazapin/message.status_update';
    expect((await t.deliver({ secret: first, body: statusUpdate('delivered') }, path)).json).toEqual({ received: true });
    expect((await t.deliver({ secret: first, body: statusUpdate('delivered') }, path)).json).toEqual({ received: true, duplicate: true });
    expect((await t.deliver({ secret: first, body: statusUpdate('read') }, path)).json).toEqual({ received: true });
    expect(events.map((event) => event.payload.status)).toEqual(['delivered', 'read']);
  });

  it('honours toleranceSeconds', async () => {
    t = await boot({ toleranceSeconds: 10 });
    const response = await t.deliver({ secret: first, body: { a: 1 }, timestamp: Math.floor(Date.now() / 1000) - 60 });
    expect(response.status).toBe(401);
  });

  it('logs a background handler failure without EventEmitterModule in the app', async () => {
    @Injectable()
    class Failing {
      @OnWazapinEvent('message.new')
      fail() {
        throw new Error('boom');
      }
    }
    t = await startTestApp(adapter, {
      imports: [WazapinWebhooksModule.forRoot({ secrets: first })],
      providers: [Failing, Handlers],
    });
    const body = { message_id: 'm1', conversation_id: 'c1', direction: 'inbound' };
    expect((await t.deliver({ secret: first, body })).status).toBe(200);
    await waitUntil('the failure to be logged', () => t!.logger.has('error', /Failing\.fail failed on message\.new delivery msg_.*: boom/));
    expect(events).toHaveLength(1);
  });
});

describe('startup validation', () => {
  const create = (options: WazapinWebhooksModuleOptions) => {
    @Module({ imports: [WazapinWebhooksModule.forRoot(options)] })
    class AppModule {}
    return NestFactory.create(AppModule, { rawBody: true, logger: false, abortOnError: false });
  };

  it('fails boot on an invalid secret, naming its position and not its value', async () => {
    const bad = 'whsec_c2hvcnQ=';
    const error = await create({ secrets: [first, bad] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/secret #2 is invalid \(5 bytes\)/);
    expect(error?.message).not.toContain('c2hvcnQ');
  });

  it('fails boot without secrets', async () => {
    await expect(create({ secrets: ' , ' })).rejects.toThrow(/no webhook signing secret configured/);
  });

  it.each([
    ['handlerTimeoutMs', { handlerTimeoutMs: 0 }],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: -1 }],
  ])('fails boot on a %s that is not a positive number', async (name, options) => {
    await expect(create({ secrets: first, ...options })).rejects.toThrow(new RegExp(`${name} must be a positive number`));
  });

  it.each([
    ['background', { dispatch: 'background' as const, idempotency: { leaseSeconds: 60 } }, /leaseSeconds \(60\) must be longer than the 3 runs of handlerRetries/],
    ['inline', { dispatch: 'inline' as const, handlerTimeoutMs: 20_000, idempotency: { leaseSeconds: 20 } }, /leaseSeconds \(20\) must be longer than handlerTimeoutMs \(20000 ms\)/],
  ])('fails boot in %s mode on a lease that handlers may outlast', async (_mode, options, message) => {
    await expect(create({ secrets: first, ...options })).rejects.toThrow(message);
  });

  it('fails boot on a knownEventTypes entry that is not an event type name', async () => {
    await expect(create({ secrets: first, knownEventTypes: ['x.custom', 'Bad Type'] })).rejects.toThrow(/knownEventTypes\[1\] is not an event type name/);
  });

  it('warns at startup about a handler of a type that is neither catalogued nor listed as known, and one that can never run', async () => {
    @Injectable()
    class Typos {
      @OnWazapinEvent('mesage.new')
      typo() {}

      @OnWazapinEvent(['x.custom', 'message.new'])
      custom() {}

      @OnWazapinEvent('Message.New')
      neverRuns() {}
    }
    const boot = async (knownEventTypes?: string[]) => {
      const t = await startTestApp('express', { imports: [WazapinWebhooksModule.forRoot({ secrets: first, knownEventTypes })], providers: [Typos] });
      const warnings = t.logger.lines.filter((line) => line.level === 'warn').map((line) => line.message);
      await t.close();
      return warnings;
    };

    expect(await boot()).toEqual([
      expect.stringMatching(/^@OnWazapinEvent\('mesage\.new'\) on Typos\.typo names a type that is not catalogued: check it for a typo; .*knownEventTypes/),
      expect.stringMatching(/^@OnWazapinEvent\('x\.custom'\) on Typos\.custom names a type that is not catalogued/),
      expect.stringMatching(/^@OnWazapinEvent\('Message\.New'\) on Typos\.neverRuns will never run/),
    ]);
    expect(await boot(['x.custom'])).toEqual([expect.stringMatching(/'mesage\.new'/), expect.stringMatching(/'Message\.New'/)]);
  });

  it('fails boot on svix verification with a tolerance svix cannot honour', async () => {
    await expect(create({ secrets: first, verifier: 'svix', toleranceSeconds: 600 })).rejects.toThrow(/cannot accept timestamps more than 300 s/);
  });
});
