// The one test command (`npm test`): installs what the tests need, builds, lints, then runs
// every test (unit, conformance, integration, operator, helm, bench smoke) with node's runner.
// Extra arguments are passed to `node --test` (e.g. `npm test -- --test-name-pattern=urn`).
import { join } from 'node:path';
import { build, ensureNodeModules, ensureRedisServer, findFiles, repoRoot, run, runOrExit } from './lib.mjs';

ensureNodeModules();
ensureRedisServer();
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
const concurrency = process.env.JUSSI_TEST_CONCURRENCY ?? '3';
const status = run(process.execPath, [
  // Stack traces and caller locations name the TypeScript sources.
  '--enable-source-maps',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-timeout=300000',
  '--test-reporter=spec',
  ...process.argv.slice(2),
  ...files,
]);
process.exit(status);
