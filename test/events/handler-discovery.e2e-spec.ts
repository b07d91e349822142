import { Inject, Injectable, Module, Scope, type DynamicModule } from '@nestjs/common';
import { LazyModuleLoader, REQUEST } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { WazapinHandlerExplorer } from '../../lib/events/wazapin-handler.explorer.js';
import {
  OnWazapinEvent,
  WazapinWebhookEvents,
  WazapinWebhooksModule,
  type WazapinDispatchMode,
  type WazapinEvent,
  type WazapinHandlerFailure,
} from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { waitUntil } from '../support/wait-until.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const seen: { handler: string; event: string; context: number; request: unknown }[] = [];
let contexts = 0;

/** A request-scoped provider, as apps have them (a per-request logger, a tenant context). */
@Injectable({ scope: Scope.REQUEST })
class RequestContext {
  readonly number = ++contexts;
  constructor(@Inject(REQUEST) readonly request: WazapinEvent) {}
}

/** A handler class made request scoped by what it injects. */
@Injectable()
class ScopedHandlers {
  constructor(private readonly context: RequestContext) {}

  @OnWazapinEvent('contact.updated')
  onContact(event: WazapinEvent<'contact.updated'>) {
    seen.push({ handler: 'onContact', event: event.id, context: this.context.number, request: this.context.request });
  }

  @OnWazapinEvent('*')
  audit(event: WazapinEvent) {
    seen.push({ handler: 'audit', event: event.id, context: this.context.number, request: this.context.request });
  }
}

/** A handler class that is itself request scoped. */
@Injectable({ scope: Scope.REQUEST })
class RequestScopedHandler {
  @OnWazapinEvent('contact.updated')
  onContact(event: WazapinEvent<'contact.updated'>) {
    seen.push({ handler: 'requestScoped', event: event.id, context: 0, request: undefined });
  }
}

describe.each<WazapinDispatchMode>(['inline', 'background'])('handlers that are request scoped, %s dispatch', (dispatch) => {
  let t: TestApp;
  beforeEach(async () => {
    seen.length = 0;
    contexts = 0;
    t = await startTestApp('express', {
      imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch })],
      providers: [RequestContext, ScopedHandlers, RequestScopedHandler],
    });
  });
  afterEach(() => t.close());

  it('run, each event in a context of its own that its handlers share, with the event as the request', async () => {
    for (const id of ['msg_1', 'msg_2']) {
      expect((await t.deliver({ secret, id, body: { contact_id: id } }, '/webhooks/wazapin/contact.updated')).status).toBe(200);
    }
    await waitUntil('every handler to run', () => seen.length === 6);

    expect(seen.map(({ handler, event }) => `${handler} ${event}`).sort()).toEqual(
      ['audit msg_1', 'audit msg_2', 'onContact msg_1', 'onContact msg_2', 'requestScoped msg_1', 'requestScoped msg_2'].sort(),
    );
    for (const id of ['msg_1', 'msg_2']) {
      const scoped = seen.filter((entry) => entry.event === id && entry.handler !== 'requestScoped');
      expect(scoped.every((entry) => (entry.request as WazapinEvent).id === id)).toBe(true);
      expect(new Set(scoped.map((entry) => entry.context)).size).toBe(1);
    }
    expect(contexts).toBe(2);
    expect(t.logger.has('warn', /not a singleton/)).toBe(false);
  });
});

const lazySeen: string[] = [];

@Injectable()
class LazyHandlers {
  @OnWazapinEvent('contact.updated')
  onContact(event: WazapinEvent<'contact.updated'>) {
    lazySeen.push(event.id);
  }
}

@Module({ providers: [LazyHandlers] })
class LazyFeatureModule {}

describe('handlers in a module loaded with LazyModuleLoader', () => {
  let t: TestApp;
  beforeEach(async () => {
    lazySeen.length = 0;
    t = await startTestApp('express', { imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline' })] });
  });
  afterEach(() => t.close());

  it('run once the module is loaded, and the log says they were found', async () => {
    await t.deliver({ secret, id: 'msg_before', body: { contact_id: 'c1' } }, '/webhooks/wazapin/contact.updated');
    await t.app.get(LazyModuleLoader).load(() => LazyFeatureModule);
    await t.deliver({ secret, id: 'msg_after', body: { contact_id: 'c1' } }, '/webhooks/wazapin/contact.updated');

    expect(lazySeen).toEqual(['msg_after']);
    expect(t.logger.has('log', /Found 1 @OnWazapinEvent handler\(s\) in a module loaded lazily: LazyHandlers\.onContact/)).toBe(true);
  });
});

describe('a handler class also provided under another token (useExisting)', () => {
  const runs: string[] = [];

  @Injectable()
  class AliasedHandler {
    @OnWazapinEvent('contact.updated')
    onContact(event: WazapinEvent<'contact.updated'>) {
      runs.push(event.id);
    }
  }

  it('runs once per delivery', async () => {
    const t = await startTestApp('express', {
      imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline' })],
      providers: [AliasedHandler, { provide: 'CONTACTS', useExisting: AliasedHandler }, { provide: 'ALSO_CONTACTS', useExisting: 'CONTACTS' }],
    });
    try {
      expect((await t.deliver({ secret, id: 'msg_alias', body: { contact_id: 'c1' } }, '/webhooks/wazapin/contact.updated')).status).toBe(200);
      expect(runs).toEqual(['msg_alias']);
    } finally {
      await t.close();
    }
  });
});

describe('stacked @OnWazapinEvent decorators', () => {
  const runs: string[] = [];

  @Injectable()
  class StackedHandlers {
    @OnWazapinEvent('contact.updated')
    @OnWazapinEvent('conversation.updated')
    onCrm(event: WazapinEvent<'contact.updated' | 'conversation.updated'>) {
      runs.push(`onCrm ${event.id}`);
    }

    @OnWazapinEvent('message.new')
    @OnWazapinEvent(['message.new', 'message.sent'])
    onMessage(event: WazapinEvent<'message.new' | 'message.sent'>) {
      runs.push(`onMessage ${event.id}`);
    }

    @OnWazapinEvent('*')
    @OnWazapinEvent('contact.updated')
    audit(event: WazapinEvent) {
      runs.push(`audit ${event.id}`);
    }
  }

  let t: TestApp;
  beforeEach(async () => {
    runs.length = 0;
    t = await startTestApp('express', {
      imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline' })],
      providers: [StackedHandlers],
    });
  });
  afterEach(() => t.close());

  it('handle the types of every decorator on the method', async () => {
    const deliveries: [string, string, Record<string, unknown>][] = [
      ['msg_contact', 'contact.updated', { contact_id: 'c1' }],
      ['msg_conversation', 'conversation.updated', { conversation_id: 'conv_1' }],
      ['msg_sent', 'message.sent', { message_id: 'm1', direction: 'outbound' }],
    ];
    for (const [id, type, body] of deliveries) {
      expect((await t.deliver({ secret, id, body }, `/webhooks/wazapin/${type}`)).status).toBe(200);
    }
    expect(runs).toEqual(['onCrm msg_contact', 'audit msg_contact', 'onCrm msg_conversation', 'audit msg_conversation', 'onMessage msg_sent', 'audit msg_sent']);
    expect(t.logger.has('warn', /No @OnWazapinEvent handler/)).toBe(false);
  });

  it('run a method once per event when two of its decorators name the type, or one is a wildcard', async () => {
    expect((await t.deliver({ secret, id: 'msg_new', body: { message_id: 'm2', direction: 'inbound' } }, '/webhooks/wazapin/message.new')).status).toBe(200);
    expect((await t.deliver({ secret, id: 'msg_contact_again', body: { contact_id: 'c2' } }, '/webhooks/wazapin/contact.updated')).status).toBe(200);
    expect(runs).toEqual(['onMessage msg_new', 'audit msg_new', 'onCrm msg_contact_again', 'audit msg_contact_again']);
    const handlers = t.app.get(WazapinHandlerExplorer).handlers();
    expect(handlers.map((handler) => [handler.name, handler.types])).toEqual([
      ['StackedHandlers.onCrm', ['conversation.updated', 'contact.updated']],
      ['StackedHandlers.onMessage', ['message.new', 'message.sent']],
      ['StackedHandlers.audit', ['contact.updated', '*']],
    ]);
  });
});

describe('two handler classes of the same name, in two modules', () => {
  const state = { runs: [] as string[], failuresLeft: { orders: 0, support: 0 }, failures: [] as WazapinHandlerFailure[] };

  /** A `MessagesHandler` class of its own for each module, as two features of an app would have. */
  const messagesHandler = (feature: 'orders' | 'support') => {
    @Injectable()
    class MessagesHandler {
      @OnWazapinEvent('message.new')
      onMessage(event: WazapinEvent<'message.new'>) {
        state.runs.push(`${feature} ${event.id}`);
        if (state.failuresLeft[feature] > 0) {
          state.failuresLeft[feature]--;
          throw new Error(`${feature} down`);
        }
      }
    }
    return MessagesHandler;
  };

  @Module({ providers: [messagesHandler('orders')] })
  class OrdersModule {}

  @Module({ providers: [messagesHandler('support')] })
  class SupportModule {}

  @Injectable()
  class FailureListener {
    @OnEvent(WazapinWebhookEvents.HandlerFailed)
    onFailure(failure: WazapinHandlerFailure) {
      state.failures.push(failure);
    }
  }

  const ROUTE = '/webhooks/wazapin/message.new';
  const boot = () =>
    startTestApp('express', {
      imports: [EventEmitterModule.forRoot(), WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline' }), OrdersModule, SupportModule],
      providers: [FailureListener],
    });
  const deliver = (app: TestApp, id: string) => app.deliver({ secret, id, body: { message_id: `m_${id}`, direction: 'inbound' } }, ROUTE);
  const names = (app: TestApp) => app.app.get(WazapinHandlerExplorer).handlers().map((handler) => handler.name);

  const apps: TestApp[] = [];
  beforeEach(() => Object.assign(state, { runs: [], failuresLeft: { orders: 0, support: 0 }, failures: [] }));
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('both run, under names qualified by their module, the same in every instance of the app', async () => {
    const [first, second] = [await boot(), await boot()];
    apps.push(first, second);
    expect((await deliver(first, 'msg_both')).status).toBe(200);
    expect(state.runs.sort()).toEqual(['orders msg_both', 'support msg_both']);
    expect(names(first)).toEqual(['OrdersModule.MessagesHandler.onMessage', 'SupportModule.MessagesHandler.onMessage']);
    expect(names(second)).toEqual(names(first));
  });

  it('a failure of one is reported, logged and emitted, under its own name', async () => {
    const t = await boot();
    apps.push(t);
    state.failuresLeft.support = 1;
    expect((await deliver(t, 'msg_fails')).status).toBe(500);
    expect(state.failures.map((failure) => failure.handler)).toEqual(['SupportModule.MessagesHandler.onMessage']);
    expect(t.logger.has('error', /^Handler SupportModule\.MessagesHandler\.onMessage failed on message\.new delivery msg_fails: support down/)).toBe(true);
    expect(t.logger.has('error', /OrdersModule\.MessagesHandler/)).toBe(false);
  });

  it.each(['orders', 'support'] as const)('the inline retry after %s failed runs only that one: the other\'s success is its own', async (failing) => {
    const t = await boot();
    apps.push(t);
    const other = failing === 'orders' ? 'support' : 'orders';
    state.failuresLeft[failing] = 1;
    expect((await deliver(t, 'msg_retry')).status).toBe(500);
    expect((await deliver(t, 'msg_retry')).status).toBe(200);
    expect(state.runs.filter((run) => run.startsWith(failing))).toEqual([`${failing} msg_retry`, `${failing} msg_retry`]);
    expect(state.runs.filter((run) => run.startsWith(other))).toEqual([`${other} msg_retry`]);
  });
});

describe('handler names beside other handlers of the same name', () => {
  const runs: string[] = [];
  const TENANT = Symbol('TENANT');

  @Injectable()
  class TenantHandler {
    constructor(@Inject(TENANT) private readonly tenant: string) {}

    @OnWazapinEvent('contact.updated')
    onContact(event: WazapinEvent<'contact.updated'>) {
      runs.push(`${this.tenant} ${event.id}`);
    }
  }

  /** The same module class imported twice, as a dynamic module: its two hosts have one name. */
  @Module({})
  class TenantModule {
    static forTenant(tenant: string): DynamicModule {
      return { module: TenantModule, providers: [{ provide: TENANT, useValue: tenant }, TenantHandler] };
    }
  }

  const sameNamed = (label: string) => {
    @Injectable()
    class ContactsHandler {
      @OnWazapinEvent('contact.updated')
      onContact(event: WazapinEvent<'contact.updated'>) {
        runs.push(`${label} ${event.id}`);
      }
    }
    return ContactsHandler;
  };

  @Module({ providers: [sameNamed('lazy')] })
  class LazyContactsModule {}

  let t: TestApp;
  beforeEach(() => void (runs.length = 0));
  afterEach(() => t.close());

  it('are numbered #2 in discovery order when their modules are named alike', async () => {
    t = await startTestApp('express', {
      imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline' }), TenantModule.forTenant('acme'), TenantModule.forTenant('globex')],
    });
    expect((await t.deliver({ secret, id: 'msg_tenants', body: { contact_id: 'c1' } }, '/webhooks/wazapin/contact.updated')).status).toBe(200);
    expect(runs.sort()).toEqual(['acme msg_tenants', 'globex msg_tenants']);
    expect(t.app.get(WazapinHandlerExplorer).handlers().map((handler) => handler.name)).toEqual([
      'TenantModule.TenantHandler.onContact',
      'TenantModule.TenantHandler.onContact#2',
    ]);
  });

  it('in a module loaded lazily: the handler found first keeps its name, the one found later is qualified', async () => {
    t = await startTestApp('express', {
      imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline' })],
      providers: [sameNamed('eager')],
    });
    const explorer = t.app.get(WazapinHandlerExplorer);
    expect(explorer.handlers().map((handler) => handler.name)).toEqual(['ContactsHandler.onContact']);
    await t.app.get(LazyModuleLoader).load(() => LazyContactsModule);
    expect((await t.deliver({ secret, id: 'msg_lazy', body: { contact_id: 'c1' } }, '/webhooks/wazapin/contact.updated')).status).toBe(200);

    expect(runs.sort()).toEqual(['eager msg_lazy', 'lazy msg_lazy']);
    expect(explorer.handlers().map((handler) => handler.name)).toEqual(['ContactsHandler.onContact', 'LazyContactsModule.ContactsHandler.onContact']);
    expect(t.logger.lines.filter((line) => /loaded lazily/.test(line.message)).map((line) => line.message)).toEqual([
      'Found 1 @OnWazapinEvent handler(s) in a module loaded lazily: LazyContactsModule.ContactsHandler.onContact',
    ]);
  });
});
