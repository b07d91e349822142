import { Inject, Injectable, Module, Scope } from '@nestjs/common';
import { LazyModuleLoader, REQUEST } from '@nestjs/core';
import { WazapinHandlerExplorer } from '../../lib/events/wazapin-handler.explorer.js';
import { OnWazapinEvent, WazapinWebhooksModule, type WazapinDispatchMode, type WazapinEvent } from '../../lib/index.js';
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
