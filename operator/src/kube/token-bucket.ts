// A token bucket: `burst` writes at once, then `ratePerSecond` on average. Pure arithmetic over a
// clock passed in, so it is tested without waiting.

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new Error('token bucket needs ratePerSecond > 0 and burst >= 1');
    this.tokens = burst;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
      this.updatedAt = now;
    }
  }

  /** Takes a token and returns 0, or returns how many ms to wait before one is available. */
  take(now: number): number {
    const wait = this.wait(now);
    if (wait === 0) this.tokens -= 1;
    return wait;
  }

  /** How many ms until a token is available (0: now), without taking it. */
  wait(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }
}
