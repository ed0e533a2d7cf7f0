// The report as an SVG bar chart: one panel per scenario at its headline load, one bar per
// system (requests/s; p50 latency for the fixed-rate scenario), each panel on its own scale.

import type { BenchReport, PointResult, ScenarioResult, SystemPoint } from './report.js';
import type { SystemRole } from './systems.js';

const WIDTH = 920;
const LABEL_WIDTH = 250;
const BAR_AREA = WIDTH - LABEL_WIDTH - 130;
const BAR_HEIGHT = 16;
const BAR_GAP = 5;
const PANEL_GAP = 18;
const TITLE_HEIGHT = 22;

const COLOURS: Readonly<Record<SystemRole, string>> = {
  ours: '#2563eb',
  floor: '#6b7280',
  nginx: '#16a34a',
  upstream: '#a3a3a3',
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function headline(s: ScenarioResult): PointResult | undefined {
  return [...s.points].sort((a, b) => Math.abs(a.load - 50) - Math.abs(b.load - 50))[0];
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly { readonly system: SystemPoint; readonly value: number }[];
}

function panels(report: BenchReport): Panel[] {
  const out: Panel[] = [];
  for (const s of report.scenarios) {
    const p = headline(s);
    if (p === undefined) continue;
    const latency = p.unit === 'req/s';
    out.push({
      title: `${s.title} (${p.load} ${p.unit})`,
      unit: latency ? 'ms p50' : 'req/s',
      bars: p.systems.map((system) => ({ system, value: latency ? system.median.p50Ms : system.median.requestsPerSecond })),
    });
  }
  return out;
}

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  return unit === 'req/s' ? `${Math.round(value).toLocaleString('en-US')} req/s` : `${value.toFixed(3)} ${unit}`;
}

export function reportSvg(report: BenchReport): string {
  const list = panels(report);
  const parts: string[] = [];
  let y = 40;
  for (const panel of list) {
    parts.push(`<text x="10" y="${y + 14}" class="title">${escapeXml(panel.title)}</text>`);
    y += TITLE_HEIGHT;
    const top = Math.max(...panel.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-9);
    for (const bar of panel.bars) {
      const w = Number.isFinite(bar.value) ? Math.max(1, (bar.value / top) * BAR_AREA) : 0;
      const colour = COLOURS[bar.system.role];
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT - 4}" class="label" text-anchor="end">${escapeXml(bar.system.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour}" rx="2"/>`,
        `<text x="${(LABEL_WIDTH + w + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 4}" class="value">${escapeXml(format(bar.value, panel.unit))}</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += PANEL_GAP;
  }
  const legend = (Object.keys(COLOURS) as SystemRole[])
    .map((role, i) => `<rect x="${10 + i * 130}" y="${y}" width="12" height="12" fill="${COLOURS[role]}"/><text x="${28 + i * 130}" y="${y + 11}" class="label">${role === 'ours' ? 'jussi' : role}</text>`)
    .join('');
  const height = y + 30;
  const heading = `jussi benchmark, ${report.startedAt.slice(0, 10)}${report.mode === 'smoke' ? ' (smoke run)' : ''}: ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${report.machine.node}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>.title{font-size:13px;font-weight:600;fill:#111827}.label{font-size:12px;fill:#374151}.value{font-size:11px;fill:#111827}.head{font-size:14px;font-weight:700;fill:#111827}</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="22" class="head">${escapeXml(heading)}</text>
${parts.join('\n')}
${legend}
</svg>
`;
}
