// Token-bucket arithmetic, shared by the local limiter and (restated in Lua) the Redis script in
// bucket-script.ts: a bucket holds at most `burst` tokens, gains `ratePerMs` tokens per
// millisecond, and a call takes one. Pure: the clock is an argument.

export interface BucketState {
  /** Tokens held (fractional while refilling). */
  readonly tokens: number;
  /** When `tokens` was computed, ms. */
  readonly at: number;
}

export interface BucketLimits {
  readonly ratePerMs: number;
  readonly burst: number;
}

export interface Take {
  readonly state: BucketState;
  /** Tokens granted: min(wanted, whole tokens held). */
  readonly granted: number;
  /** When not all were granted: ms until the next whole token; else 0. */
  readonly waitMs: number;
}

/** A bucket seen for the first time is full. */
export function fullBucket(limits: BucketLimits, now: number): BucketState {
  return { tokens: limits.burst, at: now };
}

/** Tokens held at `now` (a clock that went backwards refills nothing). */
export function refill(state: BucketState, limits: BucketLimits, now: number): BucketState {
  if (now <= state.at) return state.tokens > limits.burst ? { tokens: limits.burst, at: state.at } : state;
  return { tokens: Math.min(limits.burst, state.tokens + (now - state.at) * limits.ratePerMs), at: now };
}

/** Takes up to `wanted` whole tokens at `now`. */
export function take(state: BucketState | undefined, limits: BucketLimits, now: number, wanted: number): Take {
  const held = refill(state ?? fullBucket(limits, now), limits, now);
  const granted = Math.max(0, Math.min(wanted, Math.floor(held.tokens)));
  const tokens = held.tokens - granted;
  const waitMs = granted < wanted ? waitForToken(tokens, limits) : 0;
  return { state: { tokens, at: held.at }, granted, waitMs };
}

/** Ms until a bucket holding `tokens` (< 1) holds one whole token. */
export function waitForToken(tokens: number, limits: BucketLimits): number {
  if (tokens >= 1) return 0;
  return Math.max(1, Math.ceil((1 - tokens) / limits.ratePerMs));
}

/** Limits per millisecond from a bucket's calls per second. */
export function limitsOf(ratePerSecond: number, burst: number): BucketLimits {
  return { ratePerMs: ratePerSecond / 1000, burst };
}

/** A process's share of a bucket shared by `peers` processes (never below one token). */
export function shareOf(limits: BucketLimits, peers: number): BucketLimits {
  const n = Math.max(1, Math.floor(peers));
  return { ratePerMs: limits.ratePerMs / n, burst: Math.max(1, Math.floor(limits.burst / n)) };
}
