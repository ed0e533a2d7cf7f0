// Shared start-up of the benchmark's small servers (floors and upstreams): each runs as its own
// process, reads its settings from the JSON file named by its first argument, and runs as one
// process or as a cluster of N workers sharing the port (the same process model as ours).

import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';

export function readServerConfig<T>(): T {
  const path = process.argv[2];
  if (path === undefined) throw new Error(`usage: ${process.argv[1] ?? 'server'} <config.json>`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Runs `start` in this process (workers <= 1) or in each of `workers` cluster workers. */
export function serve(workers: number, start: () => Promise<void>): void {
  const fail = (err: unknown): void => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  if (workers <= 1 || !cluster.isPrimary) {
    start().catch(fail);
    return;
  }
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies is a broken system: end the whole group so the harness sees it.
  cluster.on('exit', (worker, code, signal) => {
    process.stderr.write(`worker ${worker.id} exited (${code ?? signal}); stopping\n`);
    process.exit(1);
  });
}
