#!/usr/bin/env node
// `jussi`: reads the environment once, then runs one process (JUSSI_SERVER_WORKERS=1) or a
// cluster primary and its workers. Bad settings or an invalid config at startup print the cause
// and exit non-zero.

import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { formatEnvErrors, readSettings } from './config/env.js';
import { runPrimary } from './process/primary.js';
import { startSingle, StartupError } from './process/single.js';
import { runWorker } from './process/worker.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const result = readSettings(process.env);
  if (!result.ok) {
    process.stderr.write(`jussi: invalid settings\n${formatEnvErrors(result.errors)}\n`);
    process.exit(2);
  }
  const settings = result.settings;
  if (settings.server.workers === 1) {
    await startSingle(settings, { version: version() });
    return;
  }
  if (cluster.isPrimary) await runPrimary(settings);
  else await runWorker(settings, version());
}

main().catch((err: unknown) => {
  const message = err instanceof StartupError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`jussi: ${message}\n`);
  process.exit(err instanceof StartupError ? 1 : 70);
});
