// Reconnect delays: exponential from `minMs`, capped at `maxMs`, with "equal jitter" (half the
// step fixed, half random) so that pools which lost their peer at the same moment do not
// reconnect in lock-step, yet never retry in a tight loop.

/**
 * Delay before reconnect attempt number `failures` (1 = first attempt after one failure).
 * `failures` 0 means nothing failed yet: no delay. `random` returns a number in [0, 1).
 */
export function reconnectDelay(failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const step = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(step / 2 + random() * (step / 2));
}
