import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { WAZAPIN_EVENT_HANDLER_METADATA, WAZAPIN_WILDCARD } from '../wazapin-webhooks.constants.js';
import type { WazapinEvent } from './wazapin-event.interface.js';
import type { WazapinHandler } from './wazapin-handler.interface.js';

/**
 * Finds every `@OnWazapinEvent` method of the app's providers once, at startup, and indexes
 * them by event type, so finding the handlers of an event is one map lookup however many
 * handlers other types have.
 */
@Injectable()
export class WazapinHandlerExplorer implements OnModuleInit {
  private readonly logger = new Logger('WazapinWebhooks');
  private readonly byType = new Map<string, WazapinHandler[]>();
  private wildcard: WazapinHandler[] = [];
  private all: WazapinHandler[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    this.all = this.discover();
    this.wildcard = this.all.filter((handler) => handler.types.includes(WAZAPIN_WILDCARD));
    for (const handler of this.all) {
      for (const type of handler.types) {
        if (type !== WAZAPIN_WILDCARD && !this.byType.get(type)?.includes(handler)) {
          this.byType.set(type, [...(this.byType.get(type) ?? []), handler]);
        }
      }
    }
    for (const [type, handlers] of this.byType) {
      this.byType.set(type, [...handlers, ...this.wildcard.filter((handler) => !handlers.includes(handler))]);
    }
  }

  /** Handlers of `type`, wildcard handlers included. */
  handlersFor(type: string): readonly WazapinHandler[] {
    return this.byType.get(type) ?? this.wildcard;
  }

  /** True when some handler names `type` itself (not only through `'*'`). */
  hasSpecificHandler(type: string): boolean {
    return this.byType.has(type);
  }

  /** Every discovered handler. */
  handlers(): readonly WazapinHandler[] {
    return this.all;
  }

  private discover(): WazapinHandler[] {
    const handlers: WazapinHandler[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') {
        continue;
      }
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        const types = typeof fn === 'function' ? this.reflector.get<string[] | undefined>(WAZAPIN_EVENT_HANDLER_METADATA, fn) : undefined;
        if (!types) {
          continue;
        }
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(`${wrapper.name}.${method} is not a singleton provider; @OnWazapinEvent handlers must be, so it is ignored`);
          continue;
        }
        handlers.push({
          name: `${instance.constructor.name}.${method}`,
          types,
          invoke: async (event: WazapinEvent) => {
            await (fn as (event: WazapinEvent) => unknown).call(instance, event);
          },
        });
      }
    }
    return handlers;
  }
}
