// The benchmark's results as data: what `test/bench/results/<date>.json` holds and what the
// Markdown table and the SVG chart are drawn from.

import type { MachineInfo } from './machine.js';
import type { SystemRole } from './systems.js';

export const REPORT_SCHEMA = 1;

/** One measurement of one system (one round at one load). */
export interface RunSample {
  readonly round: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Socket errors, timeouts and non-2xx answers (wrk), or failed checks (open loop). */
  readonly errors: number;
  /** CPU used by the system's processes / wall time (1 = one core). */
  readonly cpuCores: number;
  readonly peakRssMiB: number;
}

export interface SystemPoint {
  readonly id: string;
  readonly label: string;
  readonly role: SystemRole;
  readonly workers: number;
  readonly samples: readonly RunSample[];
  /** Medians over the rounds. */
  readonly median: {
    readonly requestsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly p999Ms: number;
    /** Percent of one core. */
    readonly cpuPercent: number;
  };
  /** Largest over the rounds. */
  readonly peakRssMiB: number;
  readonly errors: number;
  /** Our proxy only: what its memory tier held after the last round (`jussi_cache_bytes`). */
  readonly memoryTierMiB?: number;
}

export interface RatioResult {
  readonly label: string;
  readonly metric: 'rps' | 'p50-added';
  /** Median over rounds of the per-round ratio (rps) or difference in ms (p50-added). */
  readonly value: number;
}

export interface PointResult {
  /** Connections (wrk) or requests per second (open loop). */
  readonly load: number;
  readonly unit: 'connections' | 'req/s';
  readonly systems: readonly SystemPoint[];
  readonly ratios: readonly RatioResult[];
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly secondsPerRun: number;
  readonly rounds: number;
  /** Answers checked per system, before and after the measurements. */
  readonly answersChecked: number;
  readonly points: readonly PointResult[];
}

export interface RenderResult {
  readonly upstreams: number;
  readonly cacheRules: number;
  readonly warmups: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly documentBytes: number;
}

export interface TargetResult {
  readonly id: string;
  /** The target as the issue states it. */
  readonly target: string;
  /** What was measured, in words and numbers. */
  readonly measured: string;
  /** null when the report holds no measurement for it (scenario not run). */
  readonly met: boolean | null;
}

export interface BenchReport {
  readonly schema: typeof REPORT_SCHEMA;
  readonly mode: 'full' | 'smoke';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly settings: {
    readonly secondsPerRun: number;
    readonly warmSeconds: number;
    readonly rounds: number;
    readonly wrkThreads: number;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly render: RenderResult | null;
  readonly targets: readonly TargetResult[];
}
