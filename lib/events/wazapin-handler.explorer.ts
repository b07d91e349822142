import { Injectable, Logger, type OnModuleInit, Inject } from '@nestjs/common';
import { type ContextId, ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef, ModulesContainer, Reflector } from '@nestjs/core';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { WAZAPIN_EVENT_HANDLER_METADATA, WAZAPIN_UNKNOWN_EVENT, WAZAPIN_WILDCARD, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import { isEventTypeName } from './event-type-name.js';
import { isKnownWazapinEventType } from './wazapin-event-type.js';
import type { WazapinEvent } from './wazapin-event.interface.js';
import type { WazapinHandler } from './wazapin-handler.interface.js';
import { printable } from '../utils/printable.js';

type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** A `@OnWazapinEvent` method found for the first time, not named yet. */
interface NewHandler {
  readonly instance: object;
  readonly method: string;
  readonly wrapper: ProviderWrapper;
  readonly types: string[];
}

/**
 * Finds every `@OnWazapinEvent` method of the app's providers at startup (and in modules loaded
 * lazily later), and indexes them by event type, so finding the handlers of an event is one map
 * lookup however many handlers other types have.
 */
@Injectable()
export class WazapinHandlerExplorer implements OnModuleInit {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly byType = new Map<string, WazapinHandler[]>();
  private wildcard: WazapinHandler[] = [];
  private all: WazapinHandler[] = [];
  /** How many modules the app had when its handlers were last discovered. */
  private modulesSeen = 0;
  /** The handler of each provider instance's method, kept across discoveries with its name. */
  private readonly found = new WeakMap<object, Map<string, WazapinHandler>>();
  /** Names given to handlers, and names that collided (given to none since); see {@link WazapinHandler.name}. */
  private readonly namesTaken = new Set<string>();
  /** The injection context of each event in flight, for request-scoped handlers. */
  private readonly contexts = new WeakMap<WazapinEvent, ContextId>();

  constructor(
    @Inject(WAZAPIN_OPTIONS) private readonly options: ResolvedWazapinWebhooksOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
  ) {}

  onModuleInit(): void {
    this.index(this.discover());
    this.warnAboutUnknownTypes(this.all);
  }

  /** Handlers of `type`, wildcard handlers included. */
  handlersFor(type: string): readonly WazapinHandler[] {
    this.discoverLazyModules();
    return this.byType.get(type) ?? this.wildcard;
  }

  /** True when some handler names `type` itself (not only through `'*'`). */
  hasSpecificHandler(type: string): boolean {
    this.discoverLazyModules();
    return this.byType.has(type);
  }

  /** Every discovered handler. */
  handlers(): readonly WazapinHandler[] {
    this.discoverLazyModules();
    return this.all;
  }

  private index(handlers: WazapinHandler[]): void {
    this.modulesSeen = this.modules.size;
    this.all = handlers;
    this.wildcard = handlers.filter((handler) => handler.types.includes(WAZAPIN_WILDCARD));
    this.byType.clear();
    for (const handler of handlers) {
      for (const type of handler.types) {
        if (type !== WAZAPIN_WILDCARD && !this.byType.get(type)?.includes(handler)) {
          this.byType.set(type, [...(this.byType.get(type) ?? []), handler]);
        }
      }
    }
    for (const [type, typed] of this.byType) {
      this.byType.set(type, [...typed, ...this.wildcard.filter((handler) => !typed.includes(handler))]);
    }
  }

  /**
   * A module loaded with `LazyModuleLoader` after startup joins the app's modules: its handlers
   * are found then, at the next event, for the price of comparing a count on every lookup.
   */
  private discoverLazyModules(): void {
    if (this.modules.size === this.modulesSeen) {
      return;
    }
    const known = new Set(this.all);
    const handlers = this.discover();
    const added = handlers.filter((handler) => !known.has(handler));
    this.index(handlers);
    if (added.length > 0) {
      this.logger.log(`Found ${added.length} @OnWazapinEvent handler(s) in a module loaded lazily: ${added.map((handler) => handler.name).join(', ')}`);
      this.warnAboutUnknownTypes(added);
    }
  }

  /**
   * A handler of a type that is not catalogued nor listed in `knownEventTypes` is most likely a
   * typo, which would never run; one whose type is not even an event type name surely never runs.
   */
  private warnAboutUnknownTypes(handlers: readonly WazapinHandler[]): void {
    for (const handler of handlers) {
      for (const type of handler.types) {
        if (type === WAZAPIN_WILDCARD || type === WAZAPIN_UNKNOWN_EVENT || isKnownWazapinEventType(type) || this.options.knownEventTypes.has(type)) {
          continue;
        }
        this.logger.warn(
          isEventTypeName(type)
            ? `@OnWazapinEvent('${type}') on ${handler.name} names a type that is not catalogued: check it for a typo; if Wazapin sends it, list it in the knownEventTypes option`
            : `@OnWazapinEvent('${printable(type)}') on ${handler.name} will never run: it is not an event type name (lower-case words separated by dots, such as message.new)`,
        );
      }
    }
  }

  /**
   * The app's handlers, in discovery order (modules as Nest scanned them, then providers as each
   * module lists them). A method found before keeps its handler, and so its name; those found for
   * the first time are named by {@link nameNew}.
   */
  private discover(): WazapinHandler[] {
    const found: (WazapinHandler | NewHandler)[] = [];
    const fresh: NewHandler[] = [];
    // A provider exported under another token (`useExisting`) is the same instance: its handlers run once.
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias || seen.has(instance)) {
        continue;
      }
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const known = this.found.get(instance)?.get(method);
        if (known) {
          found.push(known);
          continue;
        }
        const fn = (instance as Record<string, unknown>)[method];
        const types = typeof fn === 'function' ? this.reflector.get<string[] | undefined>(WAZAPIN_EVENT_HANDLER_METADATA, fn) : undefined;
        if (types) {
          // Stacked decorators, or one naming a type twice, still make one handler, run once per event.
          const entry: NewHandler = { instance, method, wrapper, types: [...new Set(types)] };
          fresh.push(entry);
          found.push(entry);
        }
      }
    }
    const named = this.nameNew(fresh);
    return found.map((entry) => ('invoke' in entry ? entry : named.get(entry)!));
  }

  /**
   * Names handlers found for the first time as {@link WazapinHandler.name} states, in discovery
   * order, and remembers them. A name is never given twice, nor one that collided earlier.
   */
  private nameNew(fresh: readonly NewHandler[]): Map<NewHandler, WazapinHandler> {
    const base = (entry: NewHandler) => `${entry.instance.constructor.name}.${entry.method}`;
    const counts = new Map<string, number>();
    for (const entry of fresh) {
      counts.set(base(entry), (counts.get(base(entry)) ?? 0) + 1);
    }
    const named = new Map<NewHandler, WazapinHandler>();
    for (const entry of fresh) {
      const plain = base(entry);
      const host = entry.wrapper.host?.name;
      let name = counts.get(plain) === 1 && !this.namesTaken.has(plain) ? plain : host ? `${host}.${plain}` : plain;
      if (this.namesTaken.has(name)) {
        let n = 2;
        while (this.namesTaken.has(`${name}#${n}`)) {
          n++;
        }
        name = `${name}#${n}`;
      }
      // The plain name of a collision stays taken, so a handler found later does not get it.
      this.namesTaken.add(plain).add(name);
      const handler: WazapinHandler = {
        name,
        types: entry.types,
        invoke: entry.wrapper.isDependencyTreeStatic() ? this.singletonCall(entry.instance, entry.method) : this.scopedCall(entry.wrapper, entry.method),
      };
      const methods = this.found.get(entry.instance) ?? new Map<string, WazapinHandler>();
      this.found.set(entry.instance, methods.set(entry.method, handler));
      named.set(entry, handler);
    }
    return named;
  }

  private singletonCall(instance: object, method: string): WazapinHandler['invoke'] {
    return (event) => (instance as Record<string, (event: WazapinEvent) => unknown>)[method](event);
  }

  /**
   * A provider that is request scoped, or depends on one, is resolved for each event, as
   * `@nestjs/event-emitter` does for its listeners: in a context of the event's own (shared by
   * its handlers, and subject to the app's `ContextIdFactory` strategy, if any), in which the
   * event stands for the request (`@Inject(REQUEST)` receives it).
   */
  private scopedCall(wrapper: ProviderWrapper, method: string): WazapinHandler['invoke'] {
    return async (event) => {
      const instance = await this.moduleRef.resolve<unknown, Record<string, (event: WazapinEvent) => unknown>>(wrapper.token, this.contextOf(event), {
        strict: false,
      });
      return instance[method](event);
    };
  }

  private contextOf(event: WazapinEvent): ContextId {
    let contextId = this.contexts.get(event);
    if (!contextId) {
      contextId = ContextIdFactory.getByRequest(event);
      this.moduleRef.registerRequestByContextId(event, contextId);
      this.contexts.set(event, contextId);
    }
    return contextId;
  }
}
