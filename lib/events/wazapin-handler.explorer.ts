import { Injectable, Logger, type OnModuleInit, Inject } from '@nestjs/common';
import { type ContextId, ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef, ModulesContainer, Reflector } from '@nestjs/core';
import { wazapinRegistrations } from '../accounts/wazapin-registrations.js';
import type { ResolvedWazapinWebhooksOptions } from '../wazapin-webhooks.options.js';
import { WAZAPIN_EVENT_HANDLER_METADATA, WAZAPIN_UNKNOWN_EVENT, WAZAPIN_WILDCARD, WAZAPIN_OPTIONS } from '../wazapin-webhooks.constants.js';
import { isEventTypeName } from './event-type-name.js';
import type { WazapinHandlerDeclaration } from './on-wazapin-event.decorator.js';
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
  readonly declarations: readonly WazapinHandlerDeclaration[];
}

/** A `@OnWazapinEvent` method of the app, named, whichever registrations it runs for. */
interface DiscoveredHandler {
  readonly name: string;
  readonly declarations: readonly WazapinHandlerDeclaration[];
  readonly invoke: WazapinHandler['invoke'];
}

/** A handler of one type, and the tenants it is limited to (none: every delivery). */
interface HandlerRoute {
  readonly handler: WazapinHandler;
  readonly tenants?: ReadonlySet<string>;
}

/** The handlers of one type (or of every type), as routes and, for when no tenant limits any, as handlers. */
interface TypeHandlers {
  readonly routes: readonly HandlerRoute[];
  readonly handlers: readonly WazapinHandler[];
}

const NO_HANDLERS: TypeHandlers = { routes: [], handlers: [] };

/** Each handler of a type, with the tenants it is limited to (`undefined`: every delivery). */
type TenantsByHandler = Map<WazapinHandler, ReadonlySet<string> | undefined>;

/** Adds `handler` for `tenants`: with those it had, every tenant when either is. */
function addRoute(routes: TenantsByHandler, handler: WazapinHandler, tenants: ReadonlySet<string> | undefined): void {
  const had = routes.get(handler);
  routes.set(handler, !routes.has(handler) ? tenants : had === undefined || tenants === undefined ? undefined : new Set([...had, ...tenants]));
}

function typeHandlers(routes: HandlerRoute[]): TypeHandlers {
  return { routes, handlers: routes.map((route) => route.handler) };
}

/**
 * Finds every `@OnWazapinEvent` method of the app's providers at startup (and in modules loaded
 * lazily later), keeps those that run for this registration's account, and indexes them by
 * event type, so finding the handlers of an event is one map lookup however many handlers
 * other types have. Every registration names the app's handlers alike, whichever it runs.
 */
@Injectable()
export class WazapinHandlerExplorer implements OnModuleInit {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly byType = new Map<string, TypeHandlers>();
  private wildcard: TypeHandlers = NO_HANDLERS;
  private all: WazapinHandler[] = [];
  /** Whether some handler is limited to tenants, so an event's handlers depend on its tenant. */
  private tenantLimited = false;
  /** How many modules the app had when its handlers were last discovered. */
  private modulesSeen = 0;
  /** The handler of each provider instance's method, kept across discoveries with its name. */
  private readonly found = new WeakMap<object, Map<string, DiscoveredHandler>>();
  /** This registration's view of each discovered handler (`null`: it does not run here), kept so it stays the same object. */
  private readonly views = new WeakMap<DiscoveredHandler, WazapinHandler | null>();
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
    const discovered = this.discover();
    this.index(discovered);
    this.warnAboutUnknownTypes(this.all);
    this.warnAboutUnreachable(discovered);
  }

  /**
   * The handlers of an event of this registration: those of its type and the wildcard ones, for
   * its tenant; the wildcard ones only for an event whose payload failed validation.
   */
  handlersFor(event: { readonly type: string; readonly tenant?: string; readonly invalid?: unknown }): readonly WazapinHandler[] {
    this.discoverLazyModules();
    const { routes, handlers } = (event.invalid === undefined && this.byType.get(event.type)) || this.wildcard;
    if (!this.tenantLimited) {
      return handlers;
    }
    const tenant = event.tenant;
    return routes.filter((route) => !route.tenants || (tenant !== undefined && route.tenants.has(tenant))).map((route) => route.handler);
  }

  /** True when some handler names `type` itself (not only through `'*'`). */
  hasSpecificHandler(type: string): boolean {
    this.discoverLazyModules();
    return this.byType.has(type);
  }

  /** Every handler that runs for this registration. */
  handlers(): readonly WazapinHandler[] {
    this.discoverLazyModules();
    return this.all;
  }

  /**
   * Indexes the handlers that run for this registration's account: per type, each with the
   * tenants its declarations of that type (or of `'*'`) limit it to.
   */
  private index(discovered: readonly DiscoveredHandler[]): void {
    this.modulesSeen = this.modules.size;
    const typed = new Map<string, TenantsByHandler>();
    const all: WazapinHandler[] = [];
    for (const found of discovered) {
      const handler = this.viewOf(found);
      if (!handler) {
        continue;
      }
      all.push(handler);
      for (const declaration of found.declarations.filter((declared) => this.runsHere(declared))) {
        const routes = typed.get(declaration.type) ?? new Map();
        addRoute(routes, handler, declaration.tenant === undefined ? undefined : new Set([declaration.tenant]));
        typed.set(declaration.type, routes);
      }
    }
    const toRoutes = (routes: TenantsByHandler | undefined): HandlerRoute[] => [...(routes ?? [])].map(([handler, tenants]) => ({ handler, tenants }));
    const wildcard = typed.get(WAZAPIN_WILDCARD);
    typed.delete(WAZAPIN_WILDCARD);
    this.all = all;
    this.wildcard = typeHandlers(toRoutes(wildcard));
    this.byType.clear();
    for (const [type, routes] of typed) {
      // A handler of the type and of '*' runs once, for the tenants of either.
      for (const [handler, tenants] of wildcard ?? []) {
        addRoute(routes, handler, tenants);
      }
      this.byType.set(type, typeHandlers(toRoutes(routes)));
    }
    this.tenantLimited = [this.wildcard, ...this.byType.values()].some(({ routes }) => routes.some((route) => route.tenants));
  }

  /**
   * Whether a declaration covers this registration's deliveries: it names no account, or this
   * one, and no tenant unless this registration serves tenants.
   */
  private runsHere(declaration: WazapinHandlerDeclaration): boolean {
    return (
      (declaration.account === undefined || declaration.account === this.options.account) &&
      (declaration.tenant === undefined || this.options.tenants !== undefined)
    );
  }

  /** The handler as this registration runs it: with the types declared for its account, or `null` when none is. */
  private viewOf(found: DiscoveredHandler): WazapinHandler | null {
    let view = this.views.get(found);
    if (view === undefined) {
      const declared = found.declarations.filter((declaration) => this.runsHere(declaration));
      view = declared.length === 0 ? null : { name: found.name, types: [...new Set(declared.map((declaration) => declaration.type))], invoke: found.invoke };
      this.views.set(found, view);
    }
    return view;
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
    const discovered = this.discover();
    this.index(discovered);
    const added = this.all.filter((handler) => !known.has(handler));
    if (added.length > 0) {
      this.logger.log(`Found ${added.length} @OnWazapinEvent handler(s) in a module loaded lazily: ${added.map((handler) => handler.name).join(', ')}`);
      this.warnAboutUnknownTypes(added);
    }
  }

  /**
   * A declaration that no registration can run is most likely a typo: one naming an account no
   * registration has, or a tenant where no registration it covers serves tenants. Said once for
   * the app, by its first registration.
   */
  private warnAboutUnreachable(discovered: readonly DiscoveredHandler[]): void {
    const registrations = wazapinRegistrations(this.modules);
    const names = registrations.map((registration) => registration.name);
    if (names[0] !== this.options.account) {
      return;
    }
    for (const handler of discovered) {
      const said = new Set<string>();
      for (const { account, tenant } of handler.declarations) {
        const covered = registrations.filter((registration) => account === undefined || registration.name === account);
        const reason =
          covered.length === 0
            ? `no WazapinWebhooksModule registration is named ${account} (the app has ${names.map((name) => `'${name}'`).join(', ')})`
            : tenant !== undefined && !covered.some((registration) => registration.tenants)
              ? `${account === undefined ? 'no registration' : `registration ${account}`} serves tenants`
              : undefined;
        const options = [account === undefined ? '' : `account: '${account}'`, tenant === undefined ? '' : `tenant: '${tenant}'`].filter(Boolean).join(', ');
        if (reason && !said.has(options)) {
          said.add(options);
          this.logger.warn(`@OnWazapinEvent(…, { ${options} }) on ${handler.name} will never run: ${reason}`);
        }
      }
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
  private discover(): DiscoveredHandler[] {
    const found: (DiscoveredHandler | NewHandler)[] = [];
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
        const declarations =
          typeof fn === 'function' ? this.reflector.get<WazapinHandlerDeclaration[] | undefined>(WAZAPIN_EVENT_HANDLER_METADATA, fn) : undefined;
        if (declarations) {
          // Stacked decorators, or one naming a type twice, still make one handler, run once per event.
          const entry: NewHandler = { instance, method, wrapper, declarations };
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
  private nameNew(fresh: readonly NewHandler[]): Map<NewHandler, DiscoveredHandler> {
    const base = (entry: NewHandler) => `${entry.instance.constructor.name}.${entry.method}`;
    const counts = new Map<string, number>();
    for (const entry of fresh) {
      counts.set(base(entry), (counts.get(base(entry)) ?? 0) + 1);
    }
    const named = new Map<NewHandler, DiscoveredHandler>();
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
      const handler: DiscoveredHandler = {
        name,
        declarations: entry.declarations,
        invoke: entry.wrapper.isDependencyTreeStatic() ? this.singletonCall(entry.instance, entry.method) : this.scopedCall(entry.wrapper, entry.method),
      };
      const methods = this.found.get(entry.instance) ?? new Map<string, DiscoveredHandler>();
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
