/**
 * Lets a log line through at most once per interval, counting the ones held back, for
 * conditions that can repeat on every request: one line says it, the next says how often.
 */
export class ThrottledLog {
  private nextAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `write` unless a line was written less than an interval ago, with how many were held back since. */
  write(write: (suppressed: number) => void): void {
    const now = this.now();
    if (now < this.nextAt) {
      this.suppressed++;
      return;
    }
    this.nextAt = now + this.intervalMs;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    write(suppressed);
  }
}
