// Reads `.cpuprofile` files (node --cpu-prof; `npm run bench -- --profile=DIR`) and prints where
// the time went: self time per function (and per file), highest first.
//   node test/dist/bench/cpuprofile-summary.js DIR_OR_FILES... [--top=40]

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.search(/\/(proxy|operator|test)\/(dist|src)\//);
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}

/** Self time per key (function or file) over the samples of the profiles. */
export function selfTimes(profiles: readonly CpuProfile[], by: 'function' | 'file'): SelfTime[] {
  const totals = new Map<string, number>();
  let all = 0;
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const samples = p.samples ?? [];
    const deltas = p.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const node = nodes.get(samples[i] as number);
      if (node === undefined) continue;
      const us = deltas[i + 1] ?? deltas[i] ?? 0;
      const f = node.callFrame;
      const file = f.url === '' ? '(native/vm)' : shortUrl(f.url);
      const key = by === 'file' ? file : `${f.functionName || '(anonymous)'} ${file}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`;
      totals.set(key, (totals.get(key) ?? 0) + us);
      all += us;
    }
  }
  return [...totals]
    .map(([name, us]) => ({ name, ms: us / 1000, share: all > 0 ? us / all : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

function filesOf(paths: readonly string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)) : [p]));
}

function main(): void {
  const args = process.argv.slice(2);
  const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 40);
  const files = filesOf(args.filter((a) => !a.startsWith('--')));
  if (files.length === 0) {
    process.stderr.write('usage: cpuprofile-summary DIR_OR_FILES... [--top=40]\n');
    process.exit(2);
  }
  const profiles = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile);
  for (const by of ['file', 'function'] as const) {
    process.stdout.write(`\nself time by ${by} (${files.length} profile${files.length === 1 ? '' : 's'})\n`);
    for (const t of selfTimes(profiles, by).slice(0, top)) process.stdout.write(`${(t.share * 100).toFixed(1).padStart(6)}%  ${t.ms.toFixed(0).padStart(8)} ms  ${t.name}\n`);
  }
}

if (process.argv[1] !== undefined && /cpuprofile-summary\.(js|ts)$/.test(process.argv[1])) main();
