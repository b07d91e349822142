import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { errorMessage, errorStack } from '../utils/error-message.js';

/** What the module calls on `@nestjs/event-emitter`'s `EventEmitter2`. */
interface AppEventEmitter {
  emitAsync(event: string, ...values: unknown[]): Promise<unknown[]>;
}

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
   * Emits `name` without letting a listener break the caller: a listener that throws, or
   * returns a promise that rejects, is logged, never rethrown. A failure report must not become
   * a crash or a leaked dedupe claim.
   */
  emit(name: string, payload: unknown): void {
    if (!this.emitter) {
      return;
    }
    const listenerFailed = (error: unknown) => this.logger.error(`A listener of ${name} threw: ${errorMessage(error)}`, errorStack(error));
    try {
      // emitAsync, unlike emit, hands back what async listeners return, so a rejection is caught too.
      this.emitter.emitAsync(name, payload).catch(listenerFailed);
    } catch (error) {
      listenerFailed(error);
    }
  }
}
