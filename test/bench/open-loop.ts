// Open-loop load at a fixed rate, for the "added latency at a moderate rate" measurement: wrk
// is closed-loop (each connection waits for its answer), so it measures queueing as much as
// service time. Here requests leave on a fixed schedule whatever the answers do, over an undici
// Pool with more connections than the rate ever needs, and every latency is kept, so the
// percentiles are exact (no histogram buckets). Latency runs from the scheduled send time to
// the last byte of the answer: if the generator falls behind, that lateness is counted against
// the system rather than hidden (no coordinated omission).

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from './stats.js';

export interface OpenLoopOptions {
  readonly url: string;
  readonly body: string;
  readonly ratePerSecond: number;
  readonly seconds: number;
  /** Checks each answer body; a non-null return is counted as an error. */
  readonly check?: (status: number, body: string) => string | null;
}

export interface OpenLoopResult {
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Largest delay between a request's scheduled and actual send (the generator's own lag). */
  readonly maxSendLagMs: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const origin = new URL(options.url);
  const pool = new Pool(origin.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
  const total = Math.max(1, Math.round(options.ratePerSecond * options.seconds));
  const intervalMs = 1000 / options.ratePerSecond;
  const latencies = new Float64Array(total);
  let completed = 0;
  let errors = 0;
  let firstError: string | null = null;
  let maxLag = 0;
  const inFlight = new Set<Promise<void>>();

  const fire = (index: number, scheduled: number): void => {
    maxLag = Math.max(maxLag, performance.now() - scheduled);
    const p = (async () => {
      try {
        const res = await pool.request({ method: 'POST', path: origin.pathname, headers: { 'content-type': 'application/json' }, body: options.body });
        const text = await res.body.text();
        const problem = options.check?.(res.statusCode, text) ?? (res.statusCode === 200 ? null : `HTTP ${res.statusCode}`);
        if (problem !== null) {
          errors += 1;
          firstError ??= problem;
        }
      } catch (err) {
        errors += 1;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
      latencies[index] = performance.now() - scheduled;
      completed += 1;
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const start = performance.now() + 5;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        fire(next, start + next * intervalMs);
        next += 1;
      }
      if (next >= total) {
        resolve();
        return;
      }
      // Wake at the next send time; timers are coarse (about 1 ms), which the lag figure shows.
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(tick, 5);
  });
  await Promise.all([...inFlight]);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();

  const sorted = Array.from(latencies.subarray(0, completed)).sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return {
    sent: total,
    completed,
    errors,
    firstError,
    requestsPerSecond: completed / elapsed,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    meanMs: mean,
    maxMs: sorted[sorted.length - 1] ?? 0,
    maxSendLagMs: maxLag,
  };
}
