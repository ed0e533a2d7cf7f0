// A cluster worker: serves traffic on the shared port, applies the config documents the primary
// sends, answers the primary's report requests, and drains on the primary's shutdown message
// (or its own SIGTERM when run under a supervisor that signals the whole group).

import cluster from 'node:cluster';
import type { Settings } from '../config/settings.js';
import { createProxy } from '../server.js';
import { asPrimaryMessage, WORKER_STARTUP_FAILURE_EXIT, type WorkerMessage } from './ipc.js';
import { installLifecycle } from './lifecycle.js';
import { bindFailure, trafficTarget } from './startup-error.js';

export async function runWorker(settings: Settings, version?: string): Promise<void> {
  const worker = cluster.worker;
  if (worker === undefined) throw new Error('runWorker called outside a cluster worker');
  const proxy = await createProxy(settings, { worker: worker.id, ...(version === undefined ? {} : { version }) });
  const { logger } = proxy.observability.telemetry;
  const send = (message: WorkerMessage): void => {
    if (worker.isConnected()) worker.send(message);
  };

  let stopping: Promise<void> | null = null;
  const stop = (graceMs: number): Promise<void> => {
    stopping ??= proxy.close(graceMs);
    return stopping;
  };

  process.on('message', (raw: unknown) => {
    const message = asPrimaryMessage(raw);
    if (message === null) return;
    switch (message.jussi) {
      case 'config':
        proxy.applyConfig(message.doc);
        break;
      case 'config-rejected':
        proxy.runtime.rejectedElsewhere(message.error);
        break;
      case 'pod-health':
        proxy.usePodHealth(message.facts);
        break;
      case 'report-request':
        send({ jussi: 'report', id: message.id, report: { ...proxy.state(), workers: 1 } });
        break;
      case 'shutdown':
        stop(message.graceMs).then(
          () => process.exit(0),
          () => process.exit(1),
        );
        break;
    }
  });
  installLifecycle({ logger, graceMs: settings.server.shutdownGraceMs, shutdown: () => stop(settings.server.shutdownGraceMs) });

  // The primary answers with the current config document, if it has a valid one.
  send({ jussi: 'hello' });
  try {
    await proxy.listen();
  } catch (err) {
    const failure = bindFailure(err, trafficTarget(settings.server));
    if (failure === null) throw err;
    // Every worker would fail the same way: tell the primary, which stops instead of restarting.
    await proxy.close(0).catch(() => undefined);
    if (worker.isConnected()) worker.send({ jussi: 'fatal', message: failure.message } satisfies WorkerMessage, () => process.exit(WORKER_STARTUP_FAILURE_EXIT));
    else process.exit(WORKER_STARTUP_FAILURE_EXIT);
    return;
  }
  send({ jussi: 'ready' });
}
