// Waiting for a condition with a deadline instead of sleeping a fixed time: the machine is
// shared and slow, so tests poll and allow generous time.

import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : ` (last error: ${String(last)})`}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves after `ms`; only for letting time pass where the test asserts that nothing happens. */
export function pause(ms: number): Promise<void> {
  return sleep(ms);
}
