// `npm start`: installs and builds when needed, then runs the proxy in the foreground.
// With no JUSSI_UPSTREAM_CONFIG_FILE the proxy uses its embedded example config (public
// Steem/Hive API nodes) and the memory cache, on port 9000.
//
// The proxy runs as a child process: SIGTERM, SIGINT and SIGHUP sent to this script (or to npm,
// which passes them on) are forwarded to it, and this script exits with the child's status, so
// stopping `npm start` stops the proxy and frees its ports.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { build, ensureNodeModules, repoRoot } from './lib.mjs';

ensureNodeModules();
build();

// Its own process group: a Ctrl-C in a terminal reaches this script alone and is forwarded once
// (the proxy takes a second stop signal as "exit now").
const child = spawn(process.execPath, [join(repoRoot, 'proxy', 'dist', 'cli.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: repoRoot, detached: true });
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('error', (err) => {
  console.error(`[jussi] could not start the proxy: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  // A child killed by a signal: exit as a shell reports it (128 + the signal's number).
  process.exit(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
});
