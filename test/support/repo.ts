// Where things are, wherever the test runs from (source via tsx, or compiled under test/dist).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
      if (parsed.workspaces !== undefined) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no workspace root above ${start}`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const sharedDir = join(repoRoot, '..', 'shared');
export const conformanceDir = join(sharedDir, 'conformance', 'jussi');

/**
 * True when jussi's vectors are at `dir`. Under CI (`CI=true`) their absence throws instead: CI
 * lays ../shared beside the clone, so a missing copy would let the suites pass on nothing.
 */
export function conformanceAvailable(dir = conformanceDir, ci = process.env['CI'] === 'true'): boolean {
  if (existsSync(join(dir, 'README.md'))) return true;
  if (ci) throw new Error(`conformance vectors absent (${dir}): under CI (CI=true) they must be there`);
  return false;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function conformanceFile<T>(name: string): T {
  return readJson<T>(join(conformanceDir, name));
}

export function conformanceConfigPath(name: string): string {
  return join(conformanceDir, 'configs', name);
}
