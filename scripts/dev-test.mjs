// Fast inner loop for developers: runs the given TypeScript test files straight from source
// (tsx, `source` export condition), without building or linting: `npm run t -- test/unit/x.test.ts`.
import { repoRoot, run } from './lib.mjs';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: npm run t -- <test files...> [node --test flags]');
  process.exit(2);
}
process.exit(run(process.execPath, ['--conditions=source', '--import', 'tsx', '--test', '--test-reporter=spec', ...args], { cwd: repoRoot }));
