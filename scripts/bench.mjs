// `npm run bench`: builds, then runs the benchmark harness (test/bench; see its README). Extra
// arguments go to the harness: `npm run bench -- --smoke`, `--only=hit-single,mix`, `--out=DIR`.
import { join } from 'node:path';
import { build, ensureNodeModules, repoRoot, run } from './lib.mjs';

ensureNodeModules();
build();
process.exit(run(process.execPath, ['--enable-source-maps', join(repoRoot, 'test', 'dist', 'bench', 'cli.js'), ...process.argv.slice(2)]));
