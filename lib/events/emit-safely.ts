import type { Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { errorMessage, errorStack } from '../utils/error-message.js';

/**
 * Emits `name` on the app's emitter, if it has one, without letting a listener break the
 * caller: a listener that throws, or returns a promise that rejects, is logged, never
 * rethrown. A failure report must not become a crash or a leaked dedupe claim.
 */
export function emitSafely(emitter: EventEmitter2 | undefined, logger: Logger, name: string, payload: unknown): void {
  if (!emitter) {
    return;
  }
  const listenerFailed = (error: unknown) => logger.error(`A listener of ${name} threw: ${errorMessage(error)}`, errorStack(error));
  try {
    // emitAsync, unlike emit, hands back what async listeners return, so a rejection is caught too.
    emitter.emitAsync(name, payload).catch(listenerFailed);
  } catch (error) {
    listenerFailed(error);
  }
}
