// The system tools the harness drives (nginx, wrk, redis-server), found on PATH. A missing one
// fails the run before anything starts, naming every missing tool and how to install it.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const REQUIRED_TOOLS = ['nginx', 'wrk', 'redis-server'] as const;
export type ToolName = (typeof REQUIRED_TOOLS)[number];

/** Directories searched besides PATH: Debian puts nginx in /usr/sbin, often not on a user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

export function findOnPath(name: string, path: string = process.env['PATH'] ?? ''): string | null {
  for (const dir of [...path.split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export type Tools = Readonly<Record<ToolName, string>>;

export class MissingToolsError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(
      `the benchmark needs ${missing.join(', ')} on PATH and cannot run without ${missing.length === 1 ? 'it' : 'them'}. ` +
        `On Debian/Ubuntu: apt-get install -y ${missing.join(' ')} (CI installs them in .ci/run).`,
    );
    this.name = 'MissingToolsError';
  }
}

/** Paths of the required tools; throws MissingToolsError naming every one that is missing. */
export function requireTools(path?: string): Tools {
  const found: Partial<Record<ToolName, string>> = {};
  const missing: string[] = [];
  for (const name of REQUIRED_TOOLS) {
    const at = findOnPath(name, path);
    if (at === null) missing.push(name);
    else found[name] = at;
  }
  if (missing.length > 0) throw new MissingToolsError(missing);
  return found as Tools;
}

/** First line of a tool's version output (nginx prints it on stderr). */
export function toolVersion(path: string, args: readonly string[]): string {
  const r = spawnSync(path, [...args], { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return text.split('\n')[0] ?? 'unknown';
}
