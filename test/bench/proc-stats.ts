// CPU time and resident memory of a process and its descendants, from /proc (Linux). A sampler
// runs while a system is under load: peak RSS is the largest sum seen over the tree, CPU is the
// CPU time the tree used during the run divided by the wall time (1.0 = one core busy).

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, clock ticks. */
  readonly ticks: number;
  readonly rssPages: number;
}

function sysconf(name: string, fallback: number): number {
  const r = spawnSync('getconf', [name], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return r.status === 0 && Number.isFinite(n) && n > 0 ? n : fallback;
}

const CLOCK_TICKS = sysconf('CLK_TCK', 100);
const PAGE_SIZE = sysconf('PAGESIZE', 4096);

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); fields are 1-based in proc(5).
  const field = (n: number): number => Number(rest[n - 3]);
  const stat = { pid, ppid: field(4), ticks: field(14) + field(15), rssPages: field(24) };
  return Number.isFinite(stat.ppid) && Number.isFinite(stat.ticks) && Number.isFinite(stat.rssPages) ? stat : null;
}

function readStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The pid and all its descendants alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === null) continue;
    const list = children.get(stat.ppid);
    if (list === undefined) children.set(stat.ppid, [pid]);
    else list.push(pid);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  if (readStat(root) !== null) walk(root);
  return out;
}

export interface TreeUsage {
  /** Largest resident set of the whole tree seen while sampling, bytes. */
  readonly peakRssBytes: number;
  /** CPU time of the tree during the window / wall time of the window (1 = one core). */
  readonly cpuCores: number;
}

/** Samples a process tree until `stop()`; the tree is listed once at start (our systems do not fork under load). */
export class TreeSampler {
  private readonly pids: number[];
  private readonly startTicks = new Map<number, number>();
  private readonly lastTicks = new Map<number, number>();
  private readonly started = performance.now();
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(root: number, everyMs = 200) {
    this.pids = processTree(root);
    for (const pid of this.pids) {
      const s = readStat(pid);
      if (s !== null) this.startTicks.set(pid, s.ticks);
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    let rss = 0;
    for (const pid of this.pids) {
      const s = readStat(pid);
      if (s === null) continue;
      rss += s.rssPages * PAGE_SIZE;
      this.lastTicks.set(pid, s.ticks);
    }
    this.peak = Math.max(this.peak, rss);
  }

  stop(): TreeUsage {
    clearInterval(this.timer);
    this.sample();
    const seconds = (performance.now() - this.started) / 1000;
    let ticks = 0;
    for (const [pid, start] of this.startTicks) ticks += (this.lastTicks.get(pid) ?? start) - start;
    return { peakRssBytes: this.peak, cpuCores: seconds > 0 ? ticks / CLOCK_TICKS / seconds : 0 };
  }
}
