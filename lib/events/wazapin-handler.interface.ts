import type { WazapinEvent } from './wazapin-event.interface.js';

/** A discovered `@OnWazapinEvent` method, bound to its provider. */
export interface WazapinHandler {
  /**
   * The handler's name in the app, unique among its handlers: in logs, in
   * {@link WazapinHandlerFailure.handler}, and in the records by which a retry of a delivery skips
   * the handlers that already succeeded (so one handler's success never stands for another's).
   * It follows from the app's structure, so every instance of an app gives the same names:
   *
   * - `ClassName.method` (`MessagesHandler.onMessage`) when no other handler has that name;
   * - otherwise each is qualified by the module whose providers list it:
   *   `OrdersModule.MessagesHandler.onMessage`, `SupportModule.MessagesHandler.onMessage`;
   * - a name still taken (the same module class imported twice, as a dynamic module) gets `#2`,
   *   `#3`, … in the order Nest scanned the modules and their providers.
   *
   * A handler in a module loaded lazily is named when it is found, after those found before,
   * which keep their names: if its `ClassName.method` is taken, it is the one qualified.
   */
  readonly name: string;
  /**
   * The event types it was declared for in this registration, each once (`'*'` for all), from
   * every `@OnWazapinEvent` on the method that names no account or this one.
   */
  readonly types: readonly string[];
  /** Calls the method: what it returns (a promise, for an async method), or what it throws. */
  invoke(event: WazapinEvent): unknown;
}

/**
 * A handler that threw, as logged and emitted.
 *
 * @publicApi
 */
export interface WazapinHandlerFailure {
  readonly event: WazapinEvent;
  /**
   * The name of the handler that threw, unique in the app: `MessagesHandler.onMessage`, or
   * `OrdersModule.MessagesHandler.onMessage` when two classes share the name (then `#2`, `#3`).
   */
  readonly handler: string;
  readonly error: unknown;
}
