// JUSSI_SERVER_WORKERS=1: one process serves traffic, the admin port and the config source; no
// cluster primary.

import { startAdminServer, type AdminServer } from '../admin/admin-server.js';
import type { Settings } from '../config/settings.js';
import type { LoggerOptions } from '../observability/logger.js';
import { createProxy, type ProxyServer } from '../server.js';
import { chooseConfigSource } from './config-source.js';
import { firstReadFailure, startSource } from './first-document.js';
import { installLifecycle } from './lifecycle.js';
import { adminTarget, listenOrExplain, StartupError, trafficTarget } from './startup-error.js';

export interface RunningSingle {
  readonly proxy: ProxyServer;
  readonly admin: AdminServer;
  readonly port: number;
  stop(): Promise<void>;
}

export { StartupError };

export interface SingleOptions {
  readonly version?: string;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (the CLI does; in-process tests do not). */
  readonly installSignals?: boolean;
  readonly logger?: LoggerOptions;
}

export async function startSingle(settings: Settings, options: SingleOptions = {}): Promise<RunningSingle> {
  const choice = await chooseConfigSource(settings);
  if (!choice.ok) throw new StartupError(choice.message);
  const source = choice.source;
  const proxy = await createProxy(settings, {
    configSource: source.description,
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const { logger } = proxy.observability.telemetry;

  const first = await startSource(source, {
    apply: (doc) => {
      const r = proxy.applyConfig(doc);
      return r.ok ? null : r.error.message;
    },
    error: (err) => logger.error({ origin: err.origin, error: { type: 'ConfigSourceError', message: err.message } }, 'config source problem'),
  });
  const failure = firstReadFailure(first);
  if (failure !== null && choice.fatalAtStart) {
    await source.stop();
    await proxy.close(0);
    throw new StartupError(`invalid config: ${failure}`);
  }
  if (failure !== null) logger.warn({ origin: source.description }, `not ready until a valid config arrives: ${failure}`);

  const metrics = proxy.observability.metrics?.source() ?? null;
  const giveUp = async (err: unknown): Promise<never> => {
    await source.stop();
    await proxy.close(0);
    throw err;
  };
  const admin = await listenOrExplain(adminTarget(settings.admin), () =>
    startAdminServer(
      settings.admin,
      {
        metrics: async () => {
          if (metrics === null) throw new Error('metrics are disabled');
          return metrics.scrape();
        },
        health: (path, headers) => proxy.health(path, headers),
        state: async () => proxy.state(),
      },
      (err) => logger.error({ error: { type: 'AdminError', message: String(err) } }, 'admin server error'),
    ),
  ).catch(giveUp);
  const port = await listenOrExplain(trafficTarget(settings.server), () => proxy.listen()).catch(async (err: unknown) => {
    await admin.close();
    return giveUp(err);
  });
  logger.info({ port, admin_port: admin.port, workers: 1, config_source: source.description }, 'jussi listening');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await source.stop();
      await proxy.close(settings.server.shutdownGraceMs);
      await admin.close();
    })();
    return stopping;
  };
  if (options.installSignals !== false) {
    installLifecycle({ logger, graceMs: settings.server.shutdownGraceMs, shutdown: stop, reload: () => source.reload() });
  }
  return { proxy, admin, port, stop };
}
