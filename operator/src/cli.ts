#!/usr/bin/env node
// `jussi-operator`: watches JsonRpcUpstream and CacheRule resources, publishes the proxies'
// config document into one ConfigMap and writes each resource's status. Settings come from the
// environment (see settings.ts and the README); SIGTERM releases the leader lease and exits 0.

import { hostname } from 'node:os';
import { loadKubeConfig } from '@jussi/proxy/kube/kubeconfig';
import { createLogger } from '@jussi/proxy/observability/logger';
import { Controller } from './controller/controller.js';
import { startProbeServer } from './probe-server.js';
import { readOperatorSettings } from './settings.js';

async function main(): Promise<void> {
  const result = readOperatorSettings(process.env, hostname());
  if (!result.ok) {
    process.stderr.write(`jussi-operator: invalid settings\n${result.errors.map((e) => `${e.variable}=${JSON.stringify(e.value)}: ${e.message}`).join('\n')}\n`);
    process.exit(2);
  }
  const settings = result.settings;
  const logger = createLogger(settings.log, { service: 'jussi-operator' });
  const kube = loadKubeConfig();
  if (!kube.ok) {
    logger.error({ error: { type: 'KubeConfigError', message: kube.message } }, 'no Kubernetes API configuration');
    logger.flush();
    process.exit(1);
  }
  const controller = new Controller({ kubeConfig: kube.kubeConfig, settings, logger });
  const probes = await startProbeServer(settings.metricsHost, settings.metricsPort, controller.metrics.registry, () => controller.ready());
  logger.info(
    {
      identity: settings.identity,
      watch_namespaces: settings.watchNamespaces.length === 0 ? 'all' : settings.watchNamespaces.join(','),
      configmap: `${settings.configMap.namespace}/${settings.configMap.name}`,
      proxy_selector: settings.proxySelector,
      metrics_port: probes.port,
      kube: kube.origin,
    },
    'jussi-operator starting',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping: releasing the leader lease');
    const deadline = setTimeout(() => process.exit(1), 20_000);
    deadline.unref();
    controller
      .stop()
      .then(() => probes.close())
      .then(
        () => {
          logger.info({ signal }, 'stopped');
          logger.flush();
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ error: { type: 'ShutdownError', message: String(err) } }, 'shutdown failed');
          logger.flush();
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ error: { type: 'UnhandledRejection', message: String(reason) } }, 'unhandled promise rejection (ignored)'));
  await controller.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`jussi-operator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(70);
});
