// The issue's targets, read off a report: each says what it asks, what was measured, and
// whether it holds. They are what we tune for, checked by reading the report, never by tests.

import type { PointResult, RenderResult, ScenarioResult, SystemPoint, TargetResult } from './report.js';

const HEADLINE_CONNECTIONS = 50;

function point(scenarios: readonly ScenarioResult[], id: string, load?: number): PointResult | undefined {
  const s = scenarios.find((x) => x.id === id);
  if (s === undefined || s.points.length === 0) return undefined;
  // The headline load if measured, else the nearest one measured.
  const want = load ?? HEADLINE_CONNECTIONS;
  return [...s.points].sort((a, b) => Math.abs(a.load - want) - Math.abs(b.load - want))[0];
}

const sys = (p: PointResult | undefined, id: string): SystemPoint | undefined => p?.systems.find((s) => s.id === id);
const ratio = (p: PointResult | undefined, label: string): number | undefined => p?.ratios.find((r) => r.label === label)?.value;
const x = (v: number): string => `${v.toFixed(2)}x`;
const ms = (v: number): string => `${v.toFixed(3)} ms`;
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const at = (p: PointResult): string => `at ${p.load} ${p.unit}`;

function missing(id: string, target: string): TargetResult {
  return { id, target, measured: 'not measured in this run', met: null };
}

export function evaluateTargets(scenarios: readonly ScenarioResult[], render: RenderResult | null): TargetResult[] {
  const out: TargetResult[] = [];

  {
    const target = 'Cache hit, single: at least 0.9x the bare fastify floor\'s requests/s';
    const p = point(scenarios, 'hit-single');
    const r = ratio(p, 'jussi/floor (1w)');
    out.push(p === undefined || r === undefined ? missing('hit-single-ratio', target) : { id: 'hit-single-ratio', target, measured: `${x(r)} ${at(p)}`, met: r >= 0.9 });
  }
  {
    const target = 'Cache hit, single: p99 under 2 ms at 50 connections';
    const p = point(scenarios, 'hit-single');
    const s = sys(p, 'ours-1w');
    out.push(p === undefined || s === undefined ? missing('hit-single-p99', target) : { id: 'hit-single-p99', target, measured: `p99 ${ms(s.median.p99Ms)} ${at(p)}`, met: s.median.p99Ms < 2 });
  }
  {
    const target = 'Cache miss pass-through: at least 0.85x the Node pass-through floor\'s requests/s';
    const p = point(scenarios, 'pass-http');
    const r = ratio(p, 'jussi/floor (1w)');
    const nginx = ratio(p, 'jussi/nginx (1w)');
    out.push(
      p === undefined || r === undefined
        ? missing('pass-ratio', target)
        : { id: 'pass-ratio', target, measured: `${x(r)} ${at(p)}${nginx === undefined ? '' : ` (nginx proxy_pass: jussi at ${x(nginx)} of it)`}`, met: r >= 0.85 },
    );
  }
  {
    const target = 'Cache miss pass-through: p50 added latency over the direct upstream under 0.3 ms at a moderate fixed rate';
    const p = point(scenarios, 'pass-latency', Number.POSITIVE_INFINITY);
    const r = ratio(p, 'jussi added p50');
    out.push(p === undefined || r === undefined ? missing('pass-added-latency', target) : { id: 'pass-added-latency', target, measured: `+${ms(r)} ${at(p)}`, met: r < 0.3 });
  }
  {
    const target = 'Workers: 1 vs 2 workers side by side (a sanity check of the cluster path on 2 cores, not a scaling claim)';
    const hit = ratio(point(scenarios, 'hit-single'), 'jussi 2w/1w');
    const pass = ratio(point(scenarios, 'pass-http'), 'jussi 2w/1w');
    out.push(
      hit === undefined && pass === undefined
        ? missing('workers', target)
        : { id: 'workers', target, measured: `2w/1w: cache hit ${hit === undefined ? 'n/a' : x(hit)}, pass-through ${pass === undefined ? 'n/a' : x(pass)}`, met: true },
    );
  }
  {
    const target = 'Batch of 50 all hits: at least 0.5x the floor\'s requests/s';
    const p = point(scenarios, 'hit-batch');
    const r = ratio(p, 'jussi/floor');
    out.push(p === undefined || r === undefined ? missing('batch-ratio', target) : { id: 'batch-ratio', target, measured: `${x(r)} ${at(p)}`, met: r >= 0.5 });
  }
  {
    const target = 'Rate limits on, Redis shared: at most 5% off the single cache hit';
    const p = point(scenarios, 'hit-limits');
    const r = ratio(p, 'limits/plain');
    const redis = ratio(p, 'limits/Redis');
    out.push(
      p === undefined || r === undefined
        ? missing('rate-limit-cost', target)
        : { id: 'rate-limit-cost', target, measured: `${x(r)} ${at(p)}${redis === undefined ? '' : ` (${x(redis)} of the same proxy with Redis, without limits)`}`, met: r >= 0.95 },
    );
  }
  {
    const target = 'Tracing at 1% sampling costs under 5% (realistic mix)';
    const p = point(scenarios, 'mix');
    const r = ratio(p, 'tracing 1%/off');
    const full = ratio(p, 'tracing 100%/off');
    out.push(
      p === undefined || r === undefined
        ? missing('tracing-cost', target)
        : { id: 'tracing-cost', target, measured: `costs ${pct(1 - r)}${full === undefined ? '' : ` (100% sampling: ${pct(1 - full)})`}`, met: 1 - r < 0.05 },
    );
  }
  {
    const target = 'Access logs cost under 10% (realistic mix)';
    const r = ratio(point(scenarios, 'mix'), 'access log on/off');
    out.push(r === undefined ? missing('access-log-cost', target) : { id: 'access-log-cost', target, measured: `costs ${pct(1 - r)}`, met: 1 - r < 0.1 });
  }
  {
    const target = 'Memory: a 256 MiB memory tier stays within 256 MiB + 150 MiB RSS under the mix';
    const p = point(scenarios, 'mix');
    const peak = p === undefined ? undefined : Math.max(...p.systems.map((s) => s.peakRssMiB));
    out.push(peak === undefined ? missing('memory', target) : { id: 'memory', target, measured: `peak RSS ${peak.toFixed(0)} MiB (largest of the mix variants)`, met: peak <= 256 + 150 });
  }
  {
    const target = 'The operator renders 1,000 CRs in well under a second';
    out.push(
      render === null
        ? missing('render', target)
        : { id: 'render', target, measured: `median ${render.medianMs.toFixed(1)} ms for ${render.upstreams} JsonRpcUpstreams + ${render.cacheRules} CacheRules`, met: render.medianMs < 1000 },
    );
  }
  return out;
}
