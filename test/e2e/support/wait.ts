// Waiting on a cluster: poll with a deadline until a probe returns a value, and say what was
// last seen when it does not (the cluster is slow on a loaded CI runner; never sleep fixed times).
import { setTimeout as sleep } from 'node:timers/promises';

export interface Observation<T> {
  /** The value when the condition holds, undefined otherwise. */
  readonly value: T | undefined;
  /** What was seen, for the timeout message. */
  readonly seen: string;
}

export async function until<T>(what: string, probe: () => Promise<Observation<T>>, timeoutMs: number, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  for (;;) {
    try {
      const o = await probe();
      if (o.value !== undefined) return o.value;
      seen = o.seen;
    } catch (err) {
      seen = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; last seen: ${seen}`);
    await sleep(intervalMs);
  }
}

export const MINUTE = 60_000;
