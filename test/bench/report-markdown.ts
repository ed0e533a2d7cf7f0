// The report as Markdown: the machine, the method, the targets, then one table per scenario
// (the README pastes this text as it is).

import { machineLine } from './machine.js';
import type { BenchReport, PointResult, ScenarioResult } from './report.js';

const f0 = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

function ratioText(p: PointResult): string {
  return p.ratios.map((r) => (r.metric === 'rps' ? `${r.label} **${f2(r.value)}x**` : `${r.label} **${r.value >= 0 ? '+' : ''}${f3(r.value)} ms**`)).join(' · ');
}

function scenarioTable(s: ScenarioResult): string {
  const open = s.points[0]?.unit === 'req/s';
  const lines = [
    `### ${s.title}`,
    '',
    s.description,
    '',
    `| ${open ? 'Rate' : 'Conns'} | System | req/s | p50 ms | p99 ms | p99.9 ms | CPU % | peak RSS MiB | errors |`,
    '|---:|:---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of s.points) {
    for (const sys of p.systems) {
      const name = sys.role === 'ours' ? `**${sys.label}**` : sys.label;
      const tier = sys.memoryTierMiB === undefined || sys.memoryTierMiB < 1 ? '' : ` (tier ${f0(sys.memoryTierMiB)})`;
      lines.push(
        `| ${p.load} | ${name} | ${f0(sys.median.requestsPerSecond)} | ${f3(sys.median.p50Ms)} | ${f3(sys.median.p99Ms)} | ${f3(sys.median.p999Ms)} | ${f0(sys.median.cpuPercent)} | ${f0(sys.peakRssMiB)}${tier} | ${sys.errors} |`,
      );
    }
  }
  lines.push('');
  for (const p of s.points) if (p.ratios.length > 0) lines.push(`- ${p.load} ${p.unit}: ${ratioText(p)}`);
  return lines.join('\n');
}

export function reportMarkdown(report: BenchReport, chartFile: string | null): string {
  const st = report.settings;
  const out: string[] = [
    `## Benchmark results (${report.startedAt.slice(0, 10)}${report.mode === 'smoke' ? ', smoke run: numbers not meaningful' : ''})`,
    '',
    `Machine: ${machineLine(report.machine)}.`,
    '',
    `Method: every system runs on loopback beside the load generator (wrk, ${st.wrkThreads} thread, closed loop; an open-loop Node generator for the fixed-rate latency). ` +
      `Each measurement lasts ${st.secondsPerRun} s (the mix ${st.secondsPerRun * 2} s) after a ${st.warmSeconds} s warm-up; the systems of a scenario are measured in alternation, ${st.rounds} round${st.rounds === 1 ? '' : 's'}, ` +
      'and the table shows medians; ratios are medians of per-round ratios. CPU is the system\'s processes only (100% = one core); RSS is the sum over its processes. ' +
      'Every system\'s answers are checked before and after it is measured. jussi runs with access logs and tracing off except where a variant says otherwise, metrics on.',
    '',
  ];
  if (chartFile !== null) out.push(`![Requests per second by scenario](${chartFile})`, '');
  out.push('### Targets', '', '| Target | Measured | Met |', '|:---|:---|:---:|');
  for (const t of report.targets) out.push(`| ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`);
  out.push('');
  for (const s of report.scenarios) out.push(scenarioTable(s), '');
  if (report.render !== null) {
    const r = report.render;
    out.push(
      '### Operator render',
      '',
      `\`render()\` over ${r.upstreams} JsonRpcUpstreams and ${r.cacheRules} CacheRules (a ${f0(r.documentBytes / 1024)} KB document), ${r.warmups} warm-up runs, then ${r.runs} timed runs: ` +
        `median **${f2(r.medianMs)} ms** (min ${f2(r.minMs)}, max ${f2(r.maxMs)}).`,
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}
