import type { WazapinEvent } from './wazapin-event.interface.js';

/** A discovered `@OnWazapinEvent` method, bound to its provider. */
export interface WazapinHandler {
  /** `ClassName.method`, for logs. */
  readonly name: string;
  /** The event types it was declared for, each once (`'*'` for all), from every `@OnWazapinEvent` on the method. */
  readonly types: readonly string[];
  invoke(event: WazapinEvent): Promise<void>;
}

/** A handler that threw, as logged and emitted. */
export interface WazapinHandlerFailure {
  readonly event: WazapinEvent;
  readonly handler: string;
  readonly error: unknown;
}
