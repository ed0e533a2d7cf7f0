// Shared helpers for the repository's scripts (set-up, build, test runners).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: repoRoot, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

export function runOrExit(cmd, args, options = {}) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    console.error(`[jussi] ${cmd} ${args.join(' ')} failed with exit code ${status}`);
    process.exit(status);
  }
}

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Installs npm dependencies when node_modules is missing or older than the lockfile. */
export function ensureNodeModules() {
  const marker = join(repoRoot, 'node_modules', '.package-lock.json');
  const lock = join(repoRoot, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs - 1000) return;
  console.log('[jussi] installing npm dependencies (npm ci)');
  runOrExit('npm', ['ci', '--no-audit', '--no-fund']);
}

/** redis-server is needed by the cache tests; install it from apt when we can. */
export function ensureRedisServer() {
  if (hasCommand('redis-server')) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && hasCommand('apt-get')) {
    console.log('[jussi] redis-server missing: installing it with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], { env }) === 0 &&
        run('apt-get', ['install', '-y', '-qq', 'redis-server'], { env }) === 0) {
      return hasCommand('redis-server');
    }
  }
  console.log('[jussi] redis-server is not installed and could not be installed: Redis tests will fail');
  return false;
}

export function build() {
  runOrExit(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
}

/** Every file under dir whose name matches the predicate, sorted for a stable order. */
export function findFiles(dir, predicate) {
  const out = [];
  if (!existsSync(dir)) return out;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (predicate(entry.name, p)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
