// The operator's render over 1,000 custom resources (500 JsonRpcUpstreams, 500 CacheRules):
// warmed up first, then timed run by run; the report gives the median. Every run must accept
// every resource and produce a document, or the number means nothing.

import { performance } from 'node:perf_hooks';
import { DEFAULT_OPERATOR_LIMITS } from '@jussi/operator/render/limits';
import { render } from '@jussi/operator/render/render';
import type { CacheRule, JsonRpcUpstream, JussiResource, TtlPolicy } from '@jussi/operator/resources/types';
import type { RenderResult } from './report.js';
import { median } from './stats.js';

const POLICIES: readonly TtlPolicy[] = ['Seconds', 'NoExpiry', 'NoCache', 'Irreversible'];

/** `count` upstreams, each serving its own namespace with a few routes and timeouts, and one CacheRule per namespace. */
export function generatedResources(count: number): JussiResource[] {
  const out: JussiResource[] = [];
  const created = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  for (let i = 0; i < count; i++) {
    const ns = `chain${i}`;
    const upstream: JsonRpcUpstream = {
      apiVersion: 'jussi.io/v1alpha1',
      kind: 'JsonRpcUpstream',
      metadata: { name: `upstream-${i}`, namespace: 'bench', uid: `u-${i}`, generation: 1, creationTimestamp: created(i) },
      spec: {
        namespace: ns,
        routes: [
          { prefix: ns, url: `http://node-${i}.bench.svc:8090` },
          { prefix: `${ns}.database_api`, urls: [`http://db-${i}-a.bench.svc:8090`, `http://db-${i}-b.bench.svc:8090`] },
          { prefix: `${ns}.stream_api`, url: `ws://stream-${i}.bench.svc:8091` },
        ],
        timeouts: [
          { prefix: ns, seconds: 5 },
          { prefix: `${ns}.database_api`, seconds: 10 },
        ],
        pool: { httpConnections: 32 },
      },
    };
    const rule: CacheRule = {
      apiVersion: 'jussi.io/v1alpha1',
      kind: 'CacheRule',
      metadata: { name: `rules-${i}`, namespace: 'bench', uid: `c-${i}`, generation: 1, creationTimestamp: created(count + i) },
      spec: {
        rules: Array.from({ length: 4 }, (_, k) => {
          const policy = POLICIES[k] as TtlPolicy;
          return { prefix: k === 0 ? ns : `${ns}.api${k}`, policy, ...(policy === 'Seconds' ? { seconds: 3 + k } : {}) };
        }),
      },
    };
    out.push(upstream, rule);
  }
  return out;
}

export function benchRender(options: { readonly pairs: number; readonly warmups: number; readonly runs: number }): RenderResult {
  const resources = generatedResources(options.pairs);
  const once = (): { ms: number; bytes: number } => {
    const started = performance.now();
    const result = render({ resources, limits: DEFAULT_OPERATOR_LIMITS });
    const ms = performance.now() - started;
    if (!result.ok) throw new Error(`render refused the generated resources: ${result.problems.join('; ')}`);
    const refused = [...result.verdicts].filter(([, v]) => !v.accepted);
    if (refused.length > 0) throw new Error(`render did not accept ${refused.length} generated resources, e.g. ${refused[0]?.[0]}: ${refused[0]?.[1].message}`);
    return { ms, bytes: Buffer.byteLength(result.text) };
  };
  for (let i = 0; i < options.warmups; i++) once();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < options.runs; i++) {
    const r = once();
    times.push(r.ms);
    bytes = r.bytes;
  }
  return {
    upstreams: options.pairs,
    cacheRules: options.pairs,
    warmups: options.warmups,
    runs: options.runs,
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    documentBytes: bytes,
  };
}
