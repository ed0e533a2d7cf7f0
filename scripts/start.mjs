// `npm start`: installs and builds when needed, then runs the proxy in the foreground.
// With no JUSSI_UPSTREAM_CONFIG_FILE the proxy uses its embedded example config (public
// Steem/Hive API nodes) and the memory cache, on port 9000.
import { join } from 'node:path';
import { build, ensureNodeModules, repoRoot, run } from './lib.mjs';

ensureNodeModules();
build();
process.exit(run(process.execPath, [join(repoRoot, 'proxy', 'dist', 'cli.js'), ...process.argv.slice(2)]));
