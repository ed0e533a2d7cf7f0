// The benchmark, start to finish: checks the tools, starts the shared services (the nginx
// upstream, the WebSocket and Steem-like upstreams, redis-server, an OTLP endpoint), runs each
// scenario, times the operator's render, evaluates the targets and writes the report
// (<date>.json, .md, .svg, and latest.md/latest.svg). Every process it starts goes through one
// ChildRegistry and is stopped, with its whole process group, before runBench returns or throws.

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ChildRegistry } from './children.js';
import { DGP_RESULT, UPSTREAM_BATCH_ANSWER, UPSTREAM_SINGLE_ANSWER } from './fixtures.js';
import { describeMachine } from './machine.js';
import { answerFile, upstreamConf } from './nginx-conf.js';
import { startOtlpSink, type OtlpSink } from './otlp-sink.js';
import { benchRender } from './render-bench.js';
import { REPORT_SCHEMA, type BenchReport, type RenderResult, type ScenarioResult } from './report.js';
import { reportMarkdown } from './report-markdown.js';
import { reportSvg } from './report-svg.js';
import { runScenario, type RunSettings } from './runner.js';
import { buildScenarios, type ScenarioSizes, type Services } from './scenarios.js';
import { requireProxyBuild } from './scripts.js';
import type { ChainClock } from './steem-chain.js';
import { nginx, nodeServer, redisServer, type RunningSystem, type SystemSpec } from './systems.js';
import { evaluateTargets } from './targets.js';
import { requireTools, type Tools } from './tools.js';

export type BenchMode = 'full' | 'smoke';

export interface BenchOptions {
  readonly mode: BenchMode;
  /** Where the report files go. */
  readonly outDir: string;
  /** Scenario ids to run (`render` for the operator render); null runs everything. */
  readonly only?: readonly string[] | null;
  /** Run our proxy with --cpu-prof, profiles written here. */
  readonly profileDir?: string | null;
  /** Overrides of the mode's defaults. */
  readonly secondsPerRun?: number;
  readonly rounds?: number;
  readonly log?: (line: string) => void;
  /** Where every process is started (default: a registry of its own); all are stopped before runBench returns. */
  readonly children?: ChildRegistry;
}

export interface BenchOutcome {
  readonly report: BenchReport;
  readonly files: { readonly json: string; readonly markdown: string; readonly svg: string };
}

interface Preset {
  readonly settings: RunSettings;
  readonly sizes: ScenarioSizes;
  readonly render: { readonly pairs: number; readonly warmups: number; readonly runs: number };
}

export const PRESETS: Readonly<Record<BenchMode, Preset>> = {
  full: {
    settings: { secondsPerRun: 5, warmSeconds: 3, rounds: 3 },
    sizes: { hitConnections: [10, 50, 200], batchConnections: [10, 50], otherConnections: [50], openLoopRate: 1000 },
    render: { pairs: 500, warmups: 5, runs: 21 },
  },
  smoke: {
    settings: { secondsPerRun: 1, warmSeconds: 1, rounds: 1 },
    sizes: { hitConnections: [10], batchConnections: [10], otherConnections: [10], openLoopRate: 200 },
    render: { pairs: 500, warmups: 1, runs: 3 },
  },
};

export const SCENARIO_IDS = ['hit-single', 'hit-batch', 'pass-http', 'pass-latency', 'pass-ws', 'hit-redis', 'hit-limits', 'mix', 'render'] as const;

const UPSTREAM_WORKERS = 2;

async function startShared(spec: SystemSpec, tools: Tools, children: ChildRegistry, dir: string): Promise<RunningSystem> {
  const sysDir = join(dir, 'shared', spec.id);
  mkdirSync(sysDir, { recursive: true });
  return spec.start({ children, tools, dir: sysDir, profileDir: null });
}

export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const preset = PRESETS[options.mode];
  const settings: RunSettings = {
    ...preset.settings,
    ...(options.secondsPerRun === undefined ? {} : { secondsPerRun: options.secondsPerRun }),
    ...(options.rounds === undefined ? {} : { rounds: options.rounds }),
  };
  const only = options.only ?? null;
  const unknown = (only ?? []).filter((id) => !(SCENARIO_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIO_IDS.join(', ')}`);
  const wanted = (id: string): boolean => only === null || only.includes(id);

  const tools = requireTools();
  requireProxyBuild();
  const machine = describeMachine(tools);
  const startedAt = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'jussi-bench-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  // A harness ended by a signal (cli.ts exits on SIGINT/SIGTERM) skips the finally below: best effort then.
  const removeDirOnExit = (): void => {
    try {
      removeDir();
    } catch {
      // a child still writing into it; the OS temp dir is cleaned eventually
    }
  };
  process.once('exit', removeDirOnExit);
  const children = options.children ?? new ChildRegistry();
  let sink: OtlpSink | null = null;
  let finished = false;
  try {
    log(`[bench] ${options.mode} run on ${machine.cpus} × ${machine.cpuModel}; temp dir ${dir}`);
    const clock: ChainClock = { headAtStart: 50_000_000, startSeconds: Math.floor(Date.now() / 1000) };
    // All settled before going on: a failure must not leave one still starting while the rest is stopped.
    const shared = await Promise.allSettled([
      startShared(
        nginx({
          id: 'upstream',
          label: 'upstream (nginx)',
          role: 'upstream',
          workers: UPSTREAM_WORKERS,
          conf: (b) => {
            const routes = [
              { path: '/', body: UPSTREAM_SINGLE_ANSWER, echoId: true },
              { path: '/batch50', body: UPSTREAM_BATCH_ANSWER },
            ];
            for (const r of routes) {
              const file = join(b.dir, answerFile(r));
              mkdirSync(dirname(file), { recursive: true });
              writeFileSync(file, r.body);
            }
            return upstreamConf(b, routes);
          },
        }),
        tools,
        children,
        dir,
      ),
      startShared(nodeServer({ id: 'ws-upstream', label: 'ws upstream', role: 'upstream', script: 'ws-upstream', workers: 1, config: { result: DGP_RESULT } }), tools, children, dir),
      startShared(nodeServer({ id: 'steem-upstream', label: 'Steem-like upstream', role: 'upstream', script: 'steem-upstream', workers: UPSTREAM_WORKERS, config: { clock } }), tools, children, dir),
      startShared(redisServer({ id: 'redis', label: 'redis-server' }), tools, children, dir),
    ]);
    const failed = shared.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    const [upstream, wsUpstream, steemUpstream, redis] = shared.map((r) => (r as PromiseFulfilledResult<RunningSystem>).value) as [RunningSystem, RunningSystem, RunningSystem, RunningSystem];
    sink = await startOtlpSink();
    const services: Services = {
      upstream: { port: Number(new URL(upstream.url).port), pid: upstream.rootPid, workers: UPSTREAM_WORKERS },
      wsUpstreamUrl: wsUpstream.url.replace(/^http:/, 'ws:'),
      steemUpstreamUrl: steemUpstream.url,
      redisUrl: redis.url,
      otlpEndpoint: sink.endpoint,
      clock,
    };

    const scenarios: ScenarioResult[] = [];
    for (const scenario of buildScenarios(services, preset.sizes)) {
      if (!wanted(scenario.id)) continue;
      scenarios.push(await runScenario(scenario, { children, tools, dir, settings, profileDir: options.profileDir ?? null, log }));
    }
    let render: RenderResult | null = null;
    if (wanted('render')) {
      log('[render] 500 JsonRpcUpstreams + 500 CacheRules');
      render = benchRender(preset.render);
    }

    const report: BenchReport = {
      schema: REPORT_SCHEMA,
      mode: options.mode,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      settings: { ...settings, wrkThreads: 1 },
      scenarios,
      render,
      targets: evaluateTargets(scenarios, render),
    };
    const outcome = { report, files: writeReport(report, options.outDir) };
    finished = true;
    return outcome;
  } finally {
    let stopError: unknown = null;
    try {
      await children.stopAll();
    } catch (err) {
      stopError = err;
    }
    await sink?.close();
    process.removeListener('exit', removeDirOnExit);
    removeDir();
    if (stopError !== null) {
      const message = `could not stop everything the benchmark started: ${stopError instanceof Error ? stopError.message : String(stopError)}`;
      // A run that failed already reports its own error; a clean one fails on this.
      if (finished) throw new Error(message); // eslint-disable-line no-unsafe-finally
      log(`[bench] ${message}`);
    }
  }
}

/** `<date>.json`, `<date>.md`, `<date>.svg` in `outDir`, and `latest.md`/`latest.svg` (what the README shows). */
export function writeReport(report: BenchReport, outDir: string): BenchOutcome['files'] {
  mkdirSync(outDir, { recursive: true });
  const stamp = report.startedAt.slice(0, 10);
  const files = { json: join(outDir, `${stamp}.json`), markdown: join(outDir, `${stamp}.md`), svg: join(outDir, `${stamp}.svg`) };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.svg, reportSvg(report));
  writeFileSync(files.markdown, reportMarkdown(report, `${stamp}.svg`));
  copyFileSync(files.svg, join(outDir, 'latest.svg'));
  writeFileSync(join(outDir, 'latest.md'), reportMarkdown(report, 'latest.svg'));
  return files;
}
