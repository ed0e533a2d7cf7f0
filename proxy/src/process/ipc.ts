// Messages between the cluster primary and its workers. The primary owns the config source and
// the admin port; workers serve traffic, apply the documents they are sent and answer report
// requests. Every message is a plain object with a `jussi` tag so prom-client's own cluster
// messages (and anything else on the channel) are ignored.

import type { ConfigDocumentText } from '../config/sources/source.js';
import type { HealthFacts } from '../admin/health.js';
import type { ReloadErrorReport, StateReport } from '../admin/state-report.js';

export type PrimaryMessage =
  | { readonly jussi: 'config'; readonly doc: ConfigDocumentText }
  | { readonly jussi: 'report-request'; readonly id: number }
  /** A document the primary rejected: workers count it (once per proxy: the metric takes the max over workers). */
  | { readonly jussi: 'config-rejected'; readonly error: ReloadErrorReport }
  /** The pod's merged health, for the probes a worker answers on the traffic port. */
  | { readonly jussi: 'pod-health'; readonly facts: HealthFacts }
  | { readonly jussi: 'shutdown'; readonly graceMs: number };

export type WorkerMessage =
  | { readonly jussi: 'hello' }
  | { readonly jussi: 'ready' }
  | { readonly jussi: 'report'; readonly id: number; readonly report: StateReport }
  /** The worker cannot serve (its port cannot be bound): the primary stops, it does not restart it. */
  | { readonly jussi: 'fatal'; readonly message: string };

/** A worker's exit code for "cannot start, restarting will not help" (sysexits EX_CONFIG). */
export const WORKER_STARTUP_FAILURE_EXIT = 78;

function isTagged(message: unknown): message is { jussi: string } {
  return typeof message === 'object' && message !== null && typeof (message as { jussi?: unknown }).jussi === 'string';
}

export function asPrimaryMessage(message: unknown): PrimaryMessage | null {
  if (!isTagged(message)) return null;
  switch (message.jussi) {
    case 'config':
    case 'config-rejected':
    case 'pod-health':
    case 'report-request':
    case 'shutdown':
      return message as PrimaryMessage;
    default:
      return null;
  }
}

export function asWorkerMessage(message: unknown): WorkerMessage | null {
  if (!isTagged(message)) return null;
  return message.jussi === 'hello' || message.jussi === 'ready' || message.jussi === 'report' || message.jussi === 'fatal' ? (message as WorkerMessage) : null;
}
