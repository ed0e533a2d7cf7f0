// Counts the calls an upstream has taken and not finished, and lets `close(grace)` wait for
// them to reach zero, bounded by the grace period.

export class InFlightCounter {
  private count = 0;
  private waiters: (() => void)[] = [];

  get value(): number {
    return this.count;
  }

  increment(): void {
    this.count += 1;
  }

  decrement(): void {
    this.count -= 1;
    if (this.count === 0 && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves true when the count reaches zero, false when `graceMs` (if given) passed first. */
  async drained(graceMs?: number): Promise<boolean> {
    if (this.count === 0) return true;
    if (graceMs === undefined) return new Promise<boolean>((resolve) => this.waiters.push(() => resolve(true)));
    if (graceMs <= 0) return false;
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(false);
      }, graceMs);
      this.waiters.push(wake);
    });
  }
}
