// The cluster primary (JUSSI_SERVER_WORKERS > 1): forks the workers, owns the config source
// (validates each document once and sends the valid ones to every worker), serves the admin
// port for the whole process group (one aggregated Prometheus scrape, merged /state and
// /health), restarts a worker that dies, and drains them all on SIGTERM.

import cluster, { type Worker } from 'node:cluster';
import type { IncomingHttpHeaders } from 'node:http';
import { startAdminServer } from '../admin/admin-server.js';
import { healthReply, type HealthFacts } from '../admin/health.js';
import { mergeStateReports } from '../admin/merge-reports.js';
import type { ReloadErrorReport, StateReport } from '../admin/state-report.js';
import { configHash, loadConfigDocument } from '../config/load.js';
import type { Settings } from '../config/settings.js';
import type { ConfigDocumentText } from '../config/sources/source.js';
import type { HttpReply } from '../http/reply.js';
import { requestIdFrom } from '../jsonrpc/headers.js';
import { createLogger } from '../observability/logger.js';
import { clusterMetricsSource } from '../observability/metrics-cluster.js';
import { chooseConfigSource } from './config-source.js';
import { firstReadFailure, startSource } from './first-document.js';
import { asWorkerMessage, WORKER_STARTUP_FAILURE_EXIT, type PrimaryMessage } from './ipc.js';
import { installLifecycle } from './lifecycle.js';
import { adminTarget, listenOrExplain, StartupError } from './startup-error.js';

const REPORT_TIMEOUT_MS = 2000;
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;

export async function runPrimary(settings: Settings): Promise<void> {
  const logger = createLogger(settings.log);
  const choice = await chooseConfigSource(settings);
  if (!choice.ok) throw new StartupError(choice.message);
  const source = choice.source;

  let latest: ConfigDocumentText | null = null;
  let lastError: ReloadErrorReport | null = null;
  let stopping = false;
  const broadcast = (message: PrimaryMessage): void => {
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(message);
  };

  const first = await startSource(source, {
    apply: (doc) => {
      const loaded = loadConfigDocument(doc.text);
      if (!loaded.ok) {
        const message = loaded.problems.map((p) => `${p.path === '' ? '(document)' : p.path}: ${p.message}`).join('; ');
        lastError = { at: new Date().toISOString(), message, hash: configHash(doc.text) };
        broadcast({ jussi: 'config-rejected', error: lastError });
        logger.error({ origin: doc.origin, error: { type: 'ConfigError', message } }, latest === null ? 'config rejected; no config loaded yet' : 'config rejected; the last good config keeps serving');
        return message;
      }
      lastError = null;
      if (latest?.text !== doc.text) {
        latest = doc;
        broadcast({ jussi: 'config', doc });
      }
      return null;
    },
    error: (err) => logger.error({ origin: err.origin, error: { type: 'ConfigSourceError', message: err.message } }, 'config source problem'),
  });
  const failure = firstReadFailure(first);
  if (failure !== null && choice.fatalAtStart) {
    await source.stop();
    throw new StartupError(`invalid config: ${failure}`);
  }

  // Reports: one request id per question, answered by each connected worker.
  let nextReport = 1;
  const waiting = new Map<number, { reports: StateReport[]; expected: number; done: (r: StateReport[]) => void }>();
  const collect = (): Promise<StateReport[]> => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    if (workers.length === 0) return Promise.resolve([]);
    const id = nextReport++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const entry = waiting.get(id);
        waiting.delete(id);
        resolve(entry?.reports ?? []);
      }, REPORT_TIMEOUT_MS);
      waiting.set(id, {
        reports: [],
        expected: workers.length,
        done: (r) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(r);
        },
      });
      for (const w of workers) w.send({ jussi: 'report-request', id } satisfies PrimaryMessage);
    });
  };
  const mergedState = async (): Promise<StateReport> =>
    mergeStateReports(await collect(), { expectedWorkers: settings.server.workers, configSource: source.description, lastReloadError: lastError });

  const restartDelay = new Map<number, number>();
  // Set once the admin port is up: stops everything when a worker cannot start (a bind failure).
  let startupFailed: (message: string) => void = () => undefined;
  const fork = (slot: number): void => {
    const worker = cluster.fork();
    const bornAt = Date.now();
    worker.on('message', (raw: unknown) => {
      const message = asWorkerMessage(raw);
      if (message === null) return;
      if (message.jussi === 'hello' && latest !== null) worker.send({ jussi: 'config', doc: latest } satisfies PrimaryMessage);
      if (message.jussi === 'report') {
        const entry = waiting.get(message.id);
        if (entry === undefined) return;
        entry.reports.push(message.report);
        if (entry.reports.length >= entry.expected) entry.done(entry.reports);
      }
      if (message.jussi === 'fatal') startupFailed(message.message);
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      if (code === WORKER_STARTUP_FAILURE_EXIT) {
        startupFailed(`worker ${worker.id} could not start (see its log)`);
        return;
      }
      // A worker that lived a while restarts fast; one that keeps dying backs off.
      const lived = Date.now() - bornAt;
      const delay = lived > RESTART_MAX_MS ? RESTART_MIN_MS : Math.min(RESTART_MAX_MS, (restartDelay.get(slot) ?? RESTART_MIN_MS / 2) * 2);
      restartDelay.set(slot, delay);
      logger.error({ worker: worker.id, code, signal, restart_in_ms: delay }, 'worker exited unexpectedly: restarting it');
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay).unref();
    });
  };

  const metrics = settings.admin.prometheusEnabled ? clusterMetricsSource() : null;
  const healthFromState = (state: StateReport): HealthFacts => ({
    ready: state.ready,
    notReadyReason: state.ready ? null : (state.lastReloadError?.message ?? `${state.workers}/${settings.server.workers} workers ready`),
    configHash: state.configHash,
    lastIrreversibleBlockNum: state.lastIrreversibleBlockNum,
    redis: state.redis,
    degraded: state.degraded,
    upstreams: { total: state.upstreams.length, healthy: state.upstreams.filter((u) => u.healthy).length },
    workers: state.workers,
  });
  // The admin server's health is synchronous: it answers from the last merged report, refreshed
  // in the background (a probe never waits on the workers).
  let lastState: StateReport = await mergedState();
  // Workers answer the traffic port's probes with the pod's view, not their own.
  const refresh = setInterval(() => {
    mergedState().then(
      (s) => {
        lastState = s;
        broadcast({ jussi: 'pod-health', facts: healthFromState(s) });
      },
      () => undefined,
    );
  }, 1000);
  refresh.unref();
  const health = (path: string, headers: IncomingHttpHeaders): HttpReply | null => {
    const r = healthReply(path, healthFromState(lastState), settings.build);
    return r === null ? null : { ...r, headers: { ...r.headers, 'x-jussi-request-id': requestIdFrom(headers['x-jussi-request-id']) } };
  };

  const admin = await listenOrExplain(adminTarget(settings.admin), () =>
    startAdminServer(
      settings.admin,
      {
        metrics: async () => {
          if (metrics === null) throw new Error('metrics are disabled');
          return metrics.scrape();
        },
        health,
        state: async () => {
          lastState = await mergedState();
          return lastState;
        },
      },
      (err) => logger.error({ error: { type: 'AdminError', message: String(err) } }, 'admin server error'),
    ),
  ).catch(async (err: unknown) => {
    clearInterval(refresh);
    await source.stop();
    throw err;
  });

  startupFailed = (message) => {
    if (stopping) return;
    stopping = true;
    // One line, as for any other reason the proxy cannot start; no restart loop.
    process.stderr.write(`jussi: ${message}\n`);
    clearInterval(refresh);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    void Promise.allSettled([source.stop(), admin.close()]).finally(() => process.exit(1));
  };

  for (let slot = 0; slot < settings.server.workers; slot++) fork(slot);
  logger.info({ port: settings.server.port, admin_port: admin.port, workers: settings.server.workers, config_source: source.description }, 'jussi primary started');

  installLifecycle({
    logger,
    graceMs: settings.server.shutdownGraceMs,
    reload: () => source.reload(),
    shutdown: async () => {
      stopping = true;
      clearInterval(refresh);
      await source.stop();
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      const exited = workers.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
      broadcast({ jussi: 'shutdown', graceMs: settings.server.shutdownGraceMs });
      await Promise.all(exited);
      await admin.close();
    },
  });
}
