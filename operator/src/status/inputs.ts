// What status computation reads, besides the resource and its verdict.

import type { StateReport } from '@jussi/proxy/admin/state-report';

/** One proxy pod and its /state report; null when it did not answer. */
export interface ProxyState {
  readonly pod: string;
  readonly report: StateReport | null;
}

/** What is published of one resource (status/published-history.ts). */
export interface Publication {
  /** A configuration has been published (false before the first). */
  readonly published: boolean;
  /** The latest published document holds this resource as it is now. */
  readonly inLatest: boolean;
  /** Whether the document with this hash (a proxy's configHash) holds this resource as it is now. */
  readonly runs: (configHash: string | null) => boolean;
}

/** Reports in pod-name order, so figures and picks never depend on the order pods were polled. */
export function byPod(proxies: readonly ProxyState[]): ProxyState[] {
  return [...proxies].sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}

/** A count from a report, defensively: reports arrive over the network. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** One injected sidecar as its config long-poll reports it: the hash its proxy runs ('' none). */
export interface SidecarState {
  readonly pod: string;
  readonly runningHash: string;
}
