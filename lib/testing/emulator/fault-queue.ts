/**
 * Faults armed for the next N operations: each `take()` consumes one, oldest armed first.
 * Arming twice queues the second after the first.
 */
export class FaultQueue<T> {
  private readonly armed: { fault: T; remaining: number }[] = [];

  arm(count: number, fault: T): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`Fault count must be a non-negative integer, got ${count}`);
    }
    if (count > 0) {
      this.armed.push({ fault, remaining: count });
    }
  }

  /** The next fault, or `undefined` when none is armed. */
  take(): T | undefined {
    const next = this.armed[0];
    if (!next) {
      return undefined;
    }
    next.remaining -= 1;
    if (next.remaining === 0) {
      this.armed.shift();
    }
    return next.fault;
  }
}
