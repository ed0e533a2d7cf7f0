// The probe bodies, the same on the traffic port and the admin port:
//   /health        jussi's body (status, datetime, source_commit, docker_tag, jussi_num) plus the
//                  state of Redis and the upstream pools; always 200 while the process serves.
//   /health/live   the process serves (the event loop answers).
//   /health/ready  a valid config is loaded and its pools exist; a Redis outage degrades, it
//                  never un-readies (503 otherwise, with the reason).
//   /monitor       jussi's debug route: the same facts in more detail.

import type { BuildInfo } from '../config/settings.js';
import type { RedisState } from '../cache/types.js';
import type { HttpReply } from '../http/reply.js';

export interface HealthFacts {
  readonly ready: boolean;
  /** Why not ready (no config yet, pools not created); null when ready. */
  readonly notReadyReason: string | null;
  readonly configHash: string | null;
  readonly lastIrreversibleBlockNum: number | null;
  readonly redis: RedisState;
  readonly degraded: boolean;
  readonly upstreams: { readonly total: number; readonly healthy: number };
  readonly workers: number;
}

export const HEALTH_PATHS = ['/health', '/health/live', '/health/ready', '/monitor'] as const;

/** Python's `datetime.utcnow().isoformat()`: no offset, microseconds only when non-zero. */
export function pythonUtcIsoformat(date: Date): string {
  const iso = date.toISOString(); // 2024-01-01T12:00:00.123Z
  const base = iso.slice(0, 19);
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${String(ms * 1000).padStart(6, '0')}`;
}

export function healthReply(path: string, facts: HealthFacts, build: BuildInfo, now: Date = new Date()): HttpReply | null {
  switch (path) {
    case '/health':
      return json(200, {
        status: 'OK',
        datetime: pythonUtcIsoformat(now),
        source_commit: build.sourceCommit,
        docker_tag: build.dockerTag,
        jussi_num: facts.lastIrreversibleBlockNum,
        ready: facts.ready,
        degraded: facts.degraded,
        redis: { status: facts.redis },
        upstreams: { status: facts.upstreams.healthy === facts.upstreams.total ? 'OK' : 'DEGRADED', ...facts.upstreams },
      });
    case '/health/live':
      return json(200, { status: 'live' });
    case '/health/ready':
      return facts.ready
        ? json(200, { status: 'ready', config_hash: facts.configHash, degraded: facts.degraded })
        : json(503, { status: 'not ready', reason: facts.notReadyReason ?? 'not ready' });
    case '/monitor':
      return json(200, {
        source_commit: build.sourceCommit,
        docker_tag: build.dockerTag,
        jussi_num: facts.lastIrreversibleBlockNum,
        config_hash: facts.configHash,
        ready: facts.ready,
        workers: facts.workers,
        redis: facts.redis,
        degraded: facts.degraded,
        upstreams: facts.upstreams,
      });
    default:
      return null;
  }
}

function json(statusCode: number, body: unknown): HttpReply {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
