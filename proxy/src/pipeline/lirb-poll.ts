// The LIRB poll: asks the upstream that serves get_dynamic_global_properties (appbase's
// condenser_api first, then steemd's database_api, as routed by the current config) and returns
// the answer's `result` for the tracker.

import { parseUrn } from '../jsonrpc/urn.js';
import type { JsonRpcRequest, Urn } from '../jsonrpc/types.js';
import type { LirbPoll } from '../cache/lirb.js';
import type { Runtime } from '../runtime/runtime.js';
import type { RuntimeSnapshot } from '../runtime/snapshot.js';
import type { Upstream } from '../upstream/types.js';
import { nextUpstreamId } from './upstream-ids.js';

const CANDIDATES: readonly JsonRpcRequest[] = [
  { jsonrpc: '2.0', id: 1, method: 'condenser_api.get_dynamic_global_properties', params: [] },
  { jsonrpc: '2.0', id: 1, method: 'get_dynamic_global_properties', params: [] },
];

function pollTarget(snapshot: RuntimeSnapshot): { upstream: Upstream; request: JsonRpcRequest; urn: Urn } | null {
  for (const request of CANDIDATES) {
    const parsed = parseUrn({ request });
    if (!parsed.ok) continue;
    const routed = snapshot.routing.route(parsed.urn);
    if (!routed.ok) continue;
    const upstream = snapshot.upstreams.get(routed.route.urls);
    if (upstream !== undefined) return { upstream, request, urn: parsed.urn };
  }
  return null;
}

export function lirbPoll(runtime: Runtime): LirbPoll {
  return async (signal) => {
    const snapshot = runtime.current();
    if (snapshot === null) throw new Error('no config loaded');
    const target = pollTarget(snapshot);
    if (target === null) throw new Error('no upstream serves get_dynamic_global_properties');
    const id = nextUpstreamId();
    const payload = JSON.stringify({ jsonrpc: '2.0', id, method: target.request.method, params: [] });
    const reply = await target.upstream.send({ payload, upstreamId: id, signal, headers: {}, idempotent: true });
    const answer: unknown = reply.json ?? JSON.parse(reply.body);
    if (typeof answer !== 'object' || answer === null || !('result' in answer)) throw new Error(`unexpected answer from ${reply.url}`);
    return (answer as { result: unknown }).result;
  };
}

export function hasPollTarget(snapshot: RuntimeSnapshot): boolean {
  return pollTarget(snapshot) !== null;
}
