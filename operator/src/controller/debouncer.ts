// Coalesces bursts of events into one run: a run starts after `quietMs` without a new trigger,
// and at the latest `maxMs` after the first trigger of a burst (Contour's 100 ms / 500 ms
// holdoff). Runs never overlap; a trigger during a run schedules one more run after it.

export class Debouncer {
  private quietTimer: NodeJS.Timeout | null = null;
  private maxTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly quietMs: number,
    private readonly maxMs: number,
  ) {}

  /** Number of runs waiting (0 or 1): the work queue depth. */
  get depth(): number {
    return this.quietTimer !== null || this.again ? 1 : 0;
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.fire(), this.quietMs);
    this.maxTimer ??= setTimeout(() => this.fire(), this.maxMs);
  }

  /** Runs now (and waits for it), e.g. at start-up. */
  async flush(): Promise<void> {
    this.clearTimers();
    if (this.running !== null) {
      this.again = true;
      await this.running;
      return;
    }
    await this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    await this.running;
  }

  private fire(): void {
    this.clearTimers();
    void this.start();
  }

  private start(): Promise<void> {
    const p = this.run()
      .catch(() => undefined)
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.trigger();
        }
      });
    this.running = p;
    return p;
  }

  private clearTimers(): void {
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
    if (this.maxTimer !== null) clearTimeout(this.maxTimer);
    this.quietTimer = null;
    this.maxTimer = null;
  }
}
