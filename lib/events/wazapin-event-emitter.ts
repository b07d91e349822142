import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { errorMessage, errorStack } from '../utils/error-message.js';

/** What the module calls on `@nestjs/event-emitter`'s `EventEmitter2`. */
interface AppEventEmitter {
  listeners(event: string): Listener[];
  /** Listeners of every event (`onAny`), called with the event's name first. */
  listenersAny(): Listener[];
}

type Listener = (...values: unknown[]) => unknown;

/**
 * The app's `EventEmitter2`, when it imports `EventEmitterModule`, to emit the module's own
 * events (`WazapinWebhookEvents`). `@nestjs/event-emitter` is loaded only to find it: an app
 * without it needs neither the package nor its version to match its Nest's.
 */
@Injectable()
export class WazapinEventEmitter implements OnModuleInit {
  private readonly logger = new Logger('WazapinWebhooks');
  private emitter?: AppEventEmitter;

  constructor(private readonly moduleRef: ModuleRef) {}

  async onModuleInit(): Promise<void> {
    try {
      const { EventEmitter2 } = await import('@nestjs/event-emitter');
      this.emitter = this.moduleRef.get<AppEventEmitter>(EventEmitter2, { strict: false });
    } catch {
      // Not installed, or EventEmitterModule not imported: nothing listens.
    }
  }

  /**
   * Emits `name` without letting a listener break the caller, or the listeners after it: each is
   * called on its own, and one that throws, or returns a promise that rejects, is logged, never
   * rethrown. A failure report must not become a crash or a leaked dedupe claim.
   */
  emit(name: string, payload: unknown): void {
    if (!this.emitter) {
      return;
    }
    for (const listener of this.emitter.listenersAny()) {
      this.call(name, () => listener.call(this.emitter, name, payload));
    }
    for (const listener of this.emitter.listeners(name)) {
      this.call(name, () => listener.call(this.emitter, payload));
    }
  }

  private call(name: string, listen: () => unknown): void {
    const listenerFailed = (error: unknown) => this.logger.error(`A listener of ${name} threw: ${errorMessage(error)}`, errorStack(error));
    try {
      const result = listen();
      if (result instanceof Promise) {
        result.catch(listenerFailed);
      }
    } catch (error) {
      listenerFailed(error);
    }
  }
}
