// One Prometheus scrape for a cluster of workers, on prom-client's AggregatorRegistry: the
// primary asks every worker over the cluster IPC channel for its registry as JSON, sums (or
// averages, or takes the max of) each series as the metric's `aggregator` says, and serves the
// result. Workers answer from the registries named in `AggregatorRegistry.setRegistries` (the
// global registry unless told otherwise), and only once an AggregatorRegistry has been created
// in the worker, which is what installs the IPC listener.

import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './metrics.js';

/** In a cluster worker: answer the primary's metric requests from `registry`. */
export function serveMetricsToPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs the worker's `process.on('message')` listener (once per process).
  new AggregatorRegistry();
}

/**
 * In the cluster primary: the aggregated scrape of all connected workers. A scrape rejects when a
 * worker does not answer within prom-client's 5 s; the admin server should answer 503 then.
 */
export function clusterMetricsSource(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  return { scrape: async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }) };
}

/** Aggregate registries the way the primary does (a worker's view is its registry's JSON). */
export async function aggregateRegistries(registries: readonly Registry[]): Promise<Registry> {
  const snapshots = await Promise.all(registries.map((r) => r.getMetricsAsJSON()));
  return AggregatorRegistry.aggregate(snapshots);
}
