// Pool and cache figures from sidecars are sampled: each status round pulls /state from at most
// `sampleSize` sidecars, taking them in turn, and keeps each one's last report for `maxAgeMs`.
// A thousand sidecars therefore cost `sampleSize` requests a round, and the figures are built
// from reports at most ceil(n / sampleSize) rounds old.

import { mapWithConcurrency } from '../kube/concurrency.js';
import { fetchState } from '../kube/state-pull.js';
import type { StateReport } from '@jussi/proxy/admin/state-report';
import type { SidecarEntry } from './sidecar-registry.js';

export interface SampledReport {
  readonly key: string;
  readonly pod: string;
  readonly report: StateReport;
  readonly at: number;
}

export class SidecarSampler {
  private readonly reports = new Map<string, SampledReport>();
  private cursor = '';

  constructor(
    private readonly sampleSize: number,
    private readonly timeoutMs: number,
    private readonly maxAgeMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Pulls the next sidecars in turn; returns every report still fresh, for live sidecars. */
  async sample(live: readonly SidecarEntry[]): Promise<SampledReport[]> {
    const liveKeys = new Set(live.map((e) => e.key));
    for (const key of this.reports.keys()) if (!liveKeys.has(key)) this.reports.delete(key);
    const candidates = live.filter((e) => e.adminPort !== null && e.ip !== '');
    const next = candidates.filter((e) => e.key > this.cursor).concat(candidates.filter((e) => e.key <= this.cursor)).slice(0, this.sampleSize);
    const last = next[next.length - 1];
    if (last !== undefined) this.cursor = last.key;
    await mapWithConcurrency(next, 8, async (e) => {
      const host = e.ip.includes(':') ? `[${e.ip}]` : e.ip;
      const r = await fetchState({ pod: e.pod, namespace: e.namespace, ip: e.ip, port: e.adminPort ?? 0, baseUrl: `http://${host}:${e.adminPort ?? 0}` }, { timeoutMs: this.timeoutMs });
      if (r.ok) this.reports.set(e.key, { key: e.key, pod: `${e.namespace}/${e.pod}`, report: r.report, at: this.now() });
    });
    const fresh: SampledReport[] = [];
    for (const [key, r] of this.reports) {
      if (this.now() - r.at > this.maxAgeMs) this.reports.delete(key);
      else fresh.push(r);
    }
    return fresh.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
