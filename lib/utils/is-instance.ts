/**
 * `value instanceof type`, `false` where `instanceof` itself throws: on a revoked Proxy, which a
 * handler may throw.
 */
export function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}
