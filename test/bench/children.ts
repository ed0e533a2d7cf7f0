// Every process the harness starts, in one registry: each child leads its own process group
// (so nginx workers and cluster workers go with it), its output goes to a log file in the run's
// temp dir, and whatever is still running when the harness stops, fails or is killed is killed
// with its whole group. A child that dies early is reported with the tail of its log. Stopping
// a child waits until no process of its group is left (nginx and cluster workers included).

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';

export interface SpawnSpec {
  /** Shown in errors and used for the log file name. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The whole environment (nothing is inherited when given); default: this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<number | string>;
  /** True while the process has not exited. */
  running(): boolean;
  /** The last lines of its log (for error messages). */
  logTail(lines?: number): string;
  /** SIGTERM to the group; SIGKILL to the group after `graceMs`; resolves once the whole group is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** How long a stop waits for the group's last processes after SIGKILL before it gives up. */
const GROUP_GONE_DEADLINE_MS = 10_000;

/**
 * Pids of the processes of group `pgid` that are alive (zombies, dead but not yet reaped by
 * their parent, are left out). Linux: read from /proc.
 */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name may hold spaces and parentheses: fields are read after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const group = Number(rest[2]);
    if (group === pgid && state !== 'Z' && state !== 'X') out.push(pid);
  }
  return out;
}

/** Resolves once group `pgid` has no live process, SIGKILLing stragglers; throws after the deadline. */
async function groupGone(pgid: number, name: string): Promise<void> {
  const deadline = Date.now() + GROUP_GONE_DEADLINE_MS;
  for (;;) {
    const left = groupMembers(pgid);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${name}: processes ${left.join(', ')} of group ${pgid} outlived SIGKILL for ${GROUP_GONE_DEADLINE_MS / 1000} s`);
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Last resort: a harness that exits (normally, on error or on a signal) leaves nothing behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

export function tailOf(file: string, lines = 20): string {
  if (!existsSync(file)) return '(no output)';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? '(no output)' : text.split('\n').slice(-lines).join('\n');
}

export class ChildRegistry {
  private readonly children = new Set<Child>();
  private readonly everStarted: Child[] = [];

  spawn(spec: SpawnSpec): Child {
    installExitHook();
    const fd = openSync(spec.logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    live.add(proc);
    let exitValue: number | string | null = null;
    const exited = new Promise<number | string>((resolve) => {
      const done = (value: number | string): void => {
        if (exitValue !== null) return;
        exitValue = value;
        live.delete(proc);
        resolve(value);
      };
      proc.once('exit', (code, signal) => done(code ?? signal ?? -1));
      proc.once('error', (err) => done(`spawn error: ${err.message}`));
    });
    const child: Child = {
      name: spec.name,
      pid: proc.pid ?? -1,
      logFile: spec.logFile,
      exited,
      running: () => exitValue === null,
      logTail: (lines) => tailOf(spec.logFile, lines),
      stop: async (graceMs = 10_000) => {
        if (exitValue === null) {
          killGroup(proc, 'SIGTERM');
          const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        // Workers that outlived their leader (they should not) go too.
        killGroup(proc, 'SIGKILL');
        if (child.pid > 0) await groupGone(child.pid, spec.name);
        this.children.delete(child);
      },
    };
    this.children.add(child);
    this.everStarted.push(child);
    return child;
  }

  /** Children still registered (started and not stopped). */
  list(): readonly Child[] {
    return [...this.children];
  }

  /** Every child this registry ever started, stopped ones included, in start order. */
  history(): readonly Child[] {
    return [...this.everStarted];
  }

  /** Stops every registered child (all of them, even when some fail to stop; then throws naming those). */
  async stopAll(): Promise<void> {
    const results = await Promise.allSettled([...this.children].map((c) => c.stop()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw new Error(failed.map((r) => (r.reason instanceof Error ? r.reason.message : String(r.reason))).join('\n'));
  }
}
