// Runs one scenario: starts its systems, checks every one answers correctly (and, for cache
// scenarios, from its cache), warms each up, then measures them in alternation round after
// round at each load, checks the answers again, and stops everything, even on failure.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildRegistry } from './children.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { TreeSampler, type TreeUsage } from './proc-stats.js';
import type { PointResult, RatioResult, RunSample, ScenarioResult, SystemPoint } from './report.js';
import type { RatioSpec, Request, Scenario } from './scenarios.js';
import { max, median } from './stats.js';
import type { RunningSystem, SystemSpec } from './systems.js';
import type { Tools } from './tools.js';
import { runWrk, type WrkResult } from './wrk.js';

export interface RunSettings {
  readonly secondsPerRun: number;
  readonly warmSeconds: number;
  readonly rounds: number;
}

export interface RunEnv {
  readonly children: ChildRegistry;
  readonly tools: Tools;
  /** The run's temp dir; each scenario and system gets a directory below it. */
  readonly dir: string;
  readonly settings: RunSettings;
  readonly profileDir: string | null;
  readonly log: (line: string) => void;
}

interface Started {
  readonly spec: SystemSpec;
  readonly system: RunningSystem;
}

const HIT_DEADLINE_MS = 30_000;

async function post(url: string, body: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Every request answered right, or an error naming the system, the problem and its log. */
async function checkAnswers(s: Started, requests: readonly Request[], what: string): Promise<void> {
  for (const r of requests) {
    const res = await post(s.system.url, r.body);
    const problem = r.check(res.status, res.text);
    if (problem !== null) throw new Error(`${s.spec.label} answered wrongly ${what}: ${problem}\nrequest: ${r.body.slice(0, 300)}\nits log:\n${s.system.logTail()}`);
  }
}

/** A caching system must answer the scenario's requests from its cache (`hit`) or never (`miss`). */
async function settleCache(s: Started, scenario: Scenario): Promise<void> {
  const state = s.spec.cacheState;
  if (state === undefined || scenario.cache === 'mixed') return;
  for (const r of scenario.requests) {
    if (scenario.cache === 'miss') {
      await post(s.system.url, r.body);
      const again = await post(s.system.url, r.body);
      if (state(again.headers) !== 'miss') throw new Error(`${s.spec.label} answered from a cache in a cache-miss scenario`);
      continue;
    }
    const deadline = Date.now() + HIT_DEADLINE_MS;
    for (;;) {
      const res = await post(s.system.url, r.body);
      if (state(res.headers) === 'hit') break;
      if (Date.now() > deadline) throw new Error(`${s.spec.label} never answered from its cache within ${HIT_DEADLINE_MS / 1000} s\nits log:\n${s.system.logTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

interface Measured {
  readonly sample: RunSample;
}

type Latencies = Pick<RunSample, 'p50Ms' | 'p90Ms' | 'p99Ms' | 'p999Ms' | 'maxMs'>;

function sampleOf(round: number, requests: number, requestsPerSecond: number, latency: Latencies, errors: number, usage: TreeUsage): RunSample {
  const { p50Ms, p90Ms, p99Ms, p999Ms, maxMs } = latency;
  return { round, requests, requestsPerSecond, p50Ms, p90Ms, p99Ms, p999Ms, maxMs, errors, cpuCores: usage.cpuCores, peakRssMiB: usage.peakRssBytes / 1024 / 1024 };
}

function fromWrk(round: number, r: WrkResult, usage: TreeUsage): RunSample {
  const e = r.errors;
  return sampleOf(round, r.requests, r.requestsPerSecond, r, e.connect + e.read + e.write + e.status + e.timeout, usage);
}

function fromOpenLoop(round: number, r: OpenLoopResult, usage: TreeUsage): RunSample {
  // Requests sent but never answered within the run count as errors.
  return sampleOf(round, r.completed, r.requestsPerSecond, r, r.errors + (r.sent - r.completed), usage);
}

async function measure(scenario: Scenario, s: Started, load: number, seconds: number, round: number, env: RunEnv, dir: string): Promise<Measured> {
  const sampler = new TreeSampler(s.system.rootPid);
  try {
    if (scenario.load.kind === 'open-loop') {
      const check = scenario.requests[0]?.check;
      const r = await runOpenLoop({ url: s.system.url, body: scenario.openLoopBody ?? '', ratePerSecond: load, seconds, ...(check === undefined ? {} : { check }) });
      return { sample: fromOpenLoop(round, r, sampler.stop()) };
    }
    const r = await runWrk(env.children, {
      wrk: env.tools.wrk,
      url: s.system.url,
      script: scenario.lua,
      filesBase: join(dir, `${s.spec.id}-c${load}-r${round}`),
      connections: load,
      seconds,
    });
    return { sample: fromWrk(round, r, sampler.stop()) };
  } catch (err) {
    sampler.stop();
    throw err;
  }
}

/** `jussi_cache_bytes` from our proxy's metrics, MiB (undefined when it has no admin port). */
async function memoryTierMiB(system: RunningSystem): Promise<number | undefined> {
  if (system.adminUrl === undefined) return undefined;
  const res = await fetch(`${system.adminUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  const m = /^jussi_cache_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text);
  return m === null ? undefined : Number(m[1]) / 1024 / 1024;
}

function systemPoint(spec: SystemSpec, samples: readonly RunSample[], tierMiB: number | undefined): SystemPoint {
  const m = (f: (s: RunSample) => number): number => median(samples.map(f));
  return {
    id: spec.id,
    label: spec.label,
    role: spec.role,
    workers: spec.workers,
    samples,
    median: {
      requestsPerSecond: m((s) => s.requestsPerSecond),
      p50Ms: m((s) => s.p50Ms),
      p99Ms: m((s) => s.p99Ms),
      p999Ms: m((s) => s.p999Ms),
      cpuPercent: m((s) => s.cpuCores * 100),
    },
    peakRssMiB: max(samples.map((s) => s.peakRssMiB)),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    ...(tierMiB === undefined ? {} : { memoryTierMiB: tierMiB }),
  };
}

/** Per-round ratio (or difference), then the median: pairs measured close in time are compared. */
export function ratioOf(spec: RatioSpec, bySystem: ReadonlyMap<string, readonly RunSample[]>): RatioResult | null {
  const of = bySystem.get(spec.of);
  const to = bySystem.get(spec.to);
  if (of === undefined || to === undefined) return null;
  const values: number[] = [];
  for (let i = 0; i < Math.min(of.length, to.length); i++) {
    const a = of[i] as RunSample;
    const b = to[i] as RunSample;
    values.push(spec.metric === 'rps' ? a.requestsPerSecond / b.requestsPerSecond : a.p50Ms - b.p50Ms);
  }
  return values.length === 0 ? null : { label: spec.label, metric: spec.metric, value: median(values) };
}

export async function runScenario(scenario: Scenario, env: RunEnv): Promise<ScenarioResult> {
  const dir = join(env.dir, scenario.id);
  mkdirSync(dir, { recursive: true });
  const seconds = Math.max(1, Math.round(env.settings.secondsPerRun * (scenario.secondsFactor ?? 1)));
  const started: Started[] = [];
  try {
    env.log(`[${scenario.id}] starting ${scenario.systems.map((s) => s.label).join(', ')}`);
    const results = await Promise.allSettled(
      scenario.systems.map(async (spec) => {
        const sysDir = join(dir, spec.id);
        mkdirSync(sysDir, { recursive: true });
        const system = await spec.start({ children: env.children, tools: env.tools, dir: sysDir, profileDir: spec.role === 'ours' ? env.profileDir : null });
        started.push({ spec, system });
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    // Keep the table's order, whatever order they came up in.
    started.sort((a, b) => scenario.systems.indexOf(a.spec) - scenario.systems.indexOf(b.spec));

    for (const s of started) {
      await settleCache(s, scenario);
      await checkAnswers(s, scenario.requests, 'before the measurements');
    }

    const loads = scenario.load.kind === 'wrk' ? scenario.load.connections : [scenario.load.ratePerSecond];
    const warmLoad = max([...loads]);
    for (const s of started) {
      env.log(`[${scenario.id}] warming up ${s.spec.label}`);
      await measure(scenario, s, warmLoad, env.settings.warmSeconds, 0, env, dir);
    }

    const points: PointResult[] = [];
    for (const load of loads) {
      const bySystem = new Map<string, RunSample[]>(started.map((s) => [s.spec.id, []]));
      for (let round = 1; round <= env.settings.rounds; round++) {
        // Alternate the systems, starting one further each round, so none always runs first.
        for (let k = 0; k < started.length; k++) {
          const s = started[(k + round - 1) % started.length] as Started;
          const { sample } = await measure(scenario, s, load, seconds, round, env, dir);
          bySystem.get(s.spec.id)?.push(sample);
          env.log(
            `[${scenario.id}] ${scenario.load.kind === 'wrk' ? `c=${load}` : `${load} req/s`} round ${round}: ${s.spec.label}: ` +
              `${Math.round(sample.requestsPerSecond)} req/s, p50 ${sample.p50Ms.toFixed(3)} ms, p99 ${sample.p99Ms.toFixed(3)} ms` +
              `${sample.errors > 0 ? `, ${sample.errors} errors` : ''}`,
          );
        }
      }
      const tiers = await Promise.all(started.map((s) => memoryTierMiB(s.system)));
      points.push({
        load,
        unit: scenario.load.kind === 'wrk' ? 'connections' : 'req/s',
        systems: started.map((s, i) => systemPoint(s.spec, bySystem.get(s.spec.id) ?? [], tiers[i])),
        ratios: scenario.ratios.map((r) => ratioOf(r, bySystem)).filter((r): r is RatioResult => r !== null),
      });
    }

    for (const s of started) await checkAnswers(s, scenario.requests, 'after the measurements');
    return {
      id: scenario.id,
      title: scenario.title,
      description: scenario.description,
      secondsPerRun: seconds,
      rounds: env.settings.rounds,
      answersChecked: scenario.requests.length * 2,
      points,
    };
  } finally {
    await Promise.all(started.map((s) => s.system.stop()));
  }
}
