// The one test command (`npm test`): installs what the tests need, builds, lints, then runs
// every test (unit, conformance, integration, operator, helm, bench smoke) with node's runner.
// The benchmark smoke test runs last and alone: it loads both cores for a minute or two, and
// Node 20 applies --test-timeout to a whole test file, so it gets a longer one.
// Extra arguments are passed to `node --test` (e.g. `npm test -- --test-name-pattern=urn`).
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { build, ensureNodeModules, ensureRedisServer, findFiles, hasCommand, repoRoot, run, runOrExit } from './lib.mjs';

/** nginx and wrk (with redis-server) drive the benchmark smoke test; install them from apt when we can. */
function ensureBenchTools() {
  // Debian puts nginx in /usr/sbin, often not on a user's PATH (test/bench/tools.ts looks there too).
  const found = (name) => hasCommand(name) || ['/usr/sbin', '/usr/local/sbin', '/sbin'].some((dir) => existsSync(join(dir, name)));
  const missing = ['nginx', 'wrk'].filter((name) => !found(name));
  if (missing.length === 0) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && hasCommand('apt-get')) {
    console.log(`[jussi] ${missing.join(' and ')} missing: installing with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], { env }) === 0 &&
        run('apt-get', ['install', '-y', '-qq', ...missing], { env }) === 0) {
      return missing.every(found);
    }
  }
  console.log(`[jussi] ${missing.join(' and ')} not installed and could not be installed: the benchmark smoke test will be skipped`);
  return false;
}

ensureNodeModules();
ensureRedisServer();
ensureBenchTools();
const { ensureHelm } = await import('./setup-helm.mjs');
ensureHelm();
console.log(`[jussi] node ${process.version}: building`);
build();
if (!process.env.JUSSI_SKIP_LINT) {
  console.log('[jussi] linting');
  runOrExit(process.execPath, [join(repoRoot, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--max-warnings=0', '.']);
}
const files = findFiles(join(repoRoot, 'test', 'dist'), (name) => name.endsWith('.test.js'));
if (files.length === 0) {
  console.error('[jussi] no compiled test files found under test/dist');
  process.exit(1);
}
const benchDir = join(repoRoot, 'test', 'dist', 'bench') + sep;
const benchFiles = files.filter((f) => f.startsWith(benchDir));
const otherFiles = files.filter((f) => !f.startsWith(benchDir));
const concurrency = process.env.JUSSI_TEST_CONCURRENCY ?? '3';
const nodeTest = (testConcurrency, timeoutMs, list) =>
  run(process.execPath, [
    // Stack traces and caller locations name the TypeScript sources.
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${testConcurrency}`,
    `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec',
    ...process.argv.slice(2),
    ...list,
  ]);
const status = otherFiles.length === 0 ? 0 : nodeTest(concurrency, 300_000, otherFiles);
const benchStatus = benchFiles.length === 0 ? 0 : nodeTest(1, 600_000, benchFiles);
process.exit(status !== 0 ? status : benchStatus);
