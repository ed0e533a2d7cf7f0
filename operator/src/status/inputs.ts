// What status computation reads, besides the resource and its verdict.

import type { StateReport } from '@jussi/proxy/admin/state-report';

/** One proxy pod and its /state report; null when it did not answer. */
export interface ProxyState {
  readonly pod: string;
  readonly report: StateReport | null;
}

/** The configuration document currently published (the ConfigMap). */
export interface PublishedConfig {
  /** sha256 hex of the published text. */
  readonly hash: string;
  /**
   * The metadata.generation of this resource that the published document was rendered from
   * (its verdict's generation when it was accepted), or null when the document holds none of it.
   */
  readonly generation: number | null;
}

/** Reports in pod-name order, so figures and picks never depend on the order pods were polled. */
export function byPod(proxies: readonly ProxyState[]): ProxyState[] {
  return [...proxies].sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}

/** A count from a report, defensively: reports arrive over the network. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** The PublishedConfig of one resource, from the published hash and its render's acceptedGenerations. */
export function publishedFor(key: string, hash: string, generations: ReadonlyMap<string, number>): PublishedConfig {
  return { hash, generation: generations.get(key) ?? null };
}

/** One injected sidecar as its config long-poll reports it: the hash its proxy runs ('' none). */
export interface SidecarState {
  readonly pod: string;
  readonly runningHash: string;
}
