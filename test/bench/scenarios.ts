// The scenarios, as a table: what is sent, which systems answer it, how they are loaded and
// which ratios are reported. Systems of one scenario are measured in alternation (A B C, A B C,
// ...) and compared by medians.

import type { RawConfigDocument } from '@jussi/proxy/config/document';
import { mixAnswerCheck, sameJson, type AnswerCheck } from './checks.js';
import { BATCH_BODY, HIT_BATCH_ANSWER, HIT_SINGLE_ANSWER, SINGLE_BODY } from './fixtures.js';
import { cacheConf, passConf } from './nginx-conf.js';
import type { ChainClock } from './steem-chain.js';
import { mixConfig, mixLua, mixParams, sampleMixBodies } from './steem-mix.js';
import { existing, nginx, nodeServer, ours, type SystemSpec } from './systems.js';
import { fixedBodyLua } from './wrk.js';

/** What the harness started once for all scenarios. */
export interface Services {
  /** The nginx upstream: `/` answers UPSTREAM_SINGLE_ANSWER, `/batch50` UPSTREAM_BATCH_ANSWER. */
  readonly upstream: { readonly port: number; readonly pid: number; readonly workers: number };
  readonly wsUpstreamUrl: string;
  readonly steemUpstreamUrl: string;
  readonly redisUrl: string;
  readonly otlpEndpoint: string;
  readonly clock: ChainClock;
}

export type Load = { readonly kind: 'wrk'; readonly connections: readonly number[] } | { readonly kind: 'open-loop'; readonly ratePerSecond: number };

export interface Request {
  readonly body: string;
  readonly check: AnswerCheck;
}

export interface RatioSpec {
  readonly label: string;
  readonly of: string;
  readonly to: string;
  /** `rps`: requests/s of `of` / `to`; `p50-added`: p50 of `of` minus p50 of `to`, ms. */
  readonly metric: 'rps' | 'p50-added';
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** One paragraph for the README: what is measured and how. */
  readonly description: string;
  readonly load: Load;
  /** The wrk script (request part), or the open-loop body. */
  readonly lua: string;
  readonly openLoopBody?: string;
  /** Requests every system must answer correctly before and after it is measured. */
  readonly requests: readonly Request[];
  /** `hit`: caching systems are warmed until they answer from cache; `miss`: they must not. */
  readonly cache: 'hit' | 'miss' | 'mixed';
  readonly systems: readonly SystemSpec[];
  readonly ratios: readonly RatioSpec[];
  /** Seconds of load per measurement, when the scenario needs longer than the default. */
  readonly secondsFactor?: number;
}

export interface ScenarioSizes {
  readonly hitConnections: readonly number[];
  readonly batchConnections: readonly number[];
  readonly otherConnections: readonly number[];
  readonly openLoopRate: number;
}

const TIMEOUTS: [string, number][] = [['appbase', 5]];

function syntheticConfig(upstreamUrl: string, ttl: number): RawConfigDocument {
  return { limits: { accounts_blacklist: [] }, upstreams: [{ name: 'appbase', urls: [['appbase', upstreamUrl]], ttls: [['appbase', ttl]], timeouts: TIMEOUTS }] };
}

/**
 * Rate limits a busy client stays within (so every answer is a hit, as in hit-single): one
 * bucket per client, one for broadcasts only (its prefix walks the trie without counting), and
 * a global guard, all shared through Redis.
 */
function withRateLimits(doc: RawConfigDocument): RawConfigDocument {
  return {
    ...doc,
    edge: {
      rate_limits: {
        buckets: [
          { name: 'per-client', key: 'client', limit: 100_000, burst: 200_000 },
          { name: 'broadcast', key: 'client', limit: 10, prefixes: ['appbase.condenser_api.broadcast_transaction'] },
          { name: 'global', key: 'global', limit: 1_000_000, burst: 2_000_000 },
        ],
      },
    },
  };
}

/** ttl 0: cached without expiry (ARCHITECTURE item 1); the memory tier's own cap is raised so no entry expires mid-run. */
const HIT_ENV = { JUSSI_MEMORY_CACHE_MAX_TTL: '86400', JUSSI_LIRB_POLL_INTERVAL: '0' };
const PASS_ENV = { JUSSI_LIRB_POLL_INTERVAL: '0' };
const MIB_256 = String(256 * 1024 * 1024);

export function buildScenarios(s: Services, sizes: ScenarioSizes): Scenario[] {
  const upstreamUrl = `http://127.0.0.1:${s.upstream.port}/`;
  const upstreamDirect = (path = '/'): SystemSpec =>
    existing({ id: 'upstream', label: 'upstream (nginx, direct)', role: 'upstream', workers: s.upstream.workers, url: `http://127.0.0.1:${s.upstream.port}${path}`, rootPid: s.upstream.pid });
  const floorHit = (workers: number, answer: string): SystemSpec =>
    nodeServer({ id: `floor-${workers}w`, label: `fastify floor ${workers}w`, role: 'floor', script: 'floor-hit', workers, config: { answers: { '/': answer } } });
  const nginxCache = (workers: number, path = '/'): SystemSpec =>
    nginx({ id: `nginx-${workers}w`, label: `nginx proxy_cache ${workers}w`, role: 'nginx', workers, caches: true, conf: (b) => cacheConf(b, s.upstream.port, path) });
  const nginxPass = (workers: number): SystemSpec =>
    nginx({ id: `nginx-${workers}w`, label: `nginx proxy_pass ${workers}w`, role: 'nginx', workers, conf: (b) => passConf(b, s.upstream.port) });
  const floorPass = (workers: number): SystemSpec =>
    nodeServer({ id: `floor-${workers}w`, label: `fastify+undici floor ${workers}w`, role: 'floor', script: 'floor-pass', workers, config: { upstream: upstreamUrl, connections: 64 } });
  const oursHit = (workers: number): SystemSpec =>
    ours({ id: `ours-${workers}w`, label: `jussi ${workers}w`, workers, config: syntheticConfig(upstreamUrl, 0), env: HIT_ENV });
  const oursPass = (workers: number): SystemSpec =>
    ours({ id: `ours-${workers}w`, label: `jussi ${workers}w`, workers, config: syntheticConfig(upstreamUrl, -1), env: PASS_ENV });

  // Our answers and the upstream's differ in member order only; sameJson compares values, so one check fits all.
  const singleCheck: readonly Request[] = [{ body: SINGLE_BODY, check: sameJson(HIT_SINGLE_ANSWER) }];
  const batchCheck: readonly Request[] = [{ body: BATCH_BODY, check: sameJson(HIT_BATCH_ANSWER) }];

  const mix = mixParams(s.clock);
  const mixRequests: Request[] = sampleMixBodies(mix, 60).map((body) => ({ body, check: mixAnswerCheck(body) }));
  const mixSystem = (id: string, label: string, env: Readonly<Record<string, string>>): SystemSpec =>
    ours({ id, label, workers: 1, config: mixConfig(s.steemUpstreamUrl), env: { JUSSI_MEMORY_CACHE_MAX_BYTES: MIB_256, ...env } });
  const tracing = (ratio: string): Record<string, string> => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: s.otlpEndpoint,
    OTEL_TRACES_SAMPLER: 'traceidratio',
    OTEL_TRACES_SAMPLER_ARG: ratio,
  });

  return [
    {
      id: 'hit-single',
      title: 'Cache hit, single request',
      description:
        'The same `condenser_api.get_dynamic_global_properties` request (about 1 KB of result) answered from the memory tier, against a bare fastify server answering the same bytes with no logic, nginx `proxy_cache` keyed on the body, and the upstream itself.',
      load: { kind: 'wrk', connections: sizes.hitConnections },
      lua: fixedBodyLua(SINGLE_BODY),
      requests: singleCheck,
      cache: 'hit',
      systems: [oursHit(1), floorHit(1, HIT_SINGLE_ANSWER), nginxCache(1), oursHit(2), floorHit(2, HIT_SINGLE_ANSWER), nginxCache(2), upstreamDirect()],
      ratios: [
        { label: 'jussi/floor (1w)', of: 'ours-1w', to: 'floor-1w', metric: 'rps' },
        { label: 'jussi/nginx (1w)', of: 'ours-1w', to: 'nginx-1w', metric: 'rps' },
        { label: 'jussi/floor (2w)', of: 'ours-2w', to: 'floor-2w', metric: 'rps' },
        { label: 'jussi 2w/1w', of: 'ours-2w', to: 'ours-1w', metric: 'rps' },
      ],
    },
    {
      id: 'hit-batch',
      title: 'Cache hit, batch of 50',
      description:
        'A batch of 50 `condenser_api.get_accounts` calls, all cached (each answer carries 50 results, about 45 KB). The floor answers the same bytes; nginx caches the whole batch answer under the body.',
      load: { kind: 'wrk', connections: sizes.batchConnections },
      lua: fixedBodyLua(BATCH_BODY),
      requests: batchCheck,
      cache: 'hit',
      systems: [oursHit(1), floorHit(1, HIT_BATCH_ANSWER), nginxCache(1, '/batch50'), upstreamDirect('/batch50')],
      ratios: [
        { label: 'jussi/floor', of: 'ours-1w', to: 'floor-1w', metric: 'rps' },
        { label: 'jussi/nginx', of: 'ours-1w', to: 'nginx-1w', metric: 'rps' },
      ],
    },
    {
      id: 'pass-http',
      title: 'Cache miss, pass-through to an HTTP upstream',
      description:
        'Every request goes upstream (TTL -1): our full path (parse, route, upstream call over an undici Pool, answer with the client id) against a bare fastify + undici forwarder, nginx `proxy_pass`, and the upstream measured directly.',
      load: { kind: 'wrk', connections: sizes.hitConnections },
      lua: fixedBodyLua(SINGLE_BODY),
      requests: singleCheck,
      cache: 'miss',
      systems: [oursPass(1), floorPass(1), nginxPass(1), oursPass(2), floorPass(2), nginxPass(2), upstreamDirect()],
      ratios: [
        { label: 'jussi/floor (1w)', of: 'ours-1w', to: 'floor-1w', metric: 'rps' },
        { label: 'jussi/nginx (1w)', of: 'ours-1w', to: 'nginx-1w', metric: 'rps' },
        { label: 'jussi/floor (2w)', of: 'ours-2w', to: 'floor-2w', metric: 'rps' },
        { label: 'jussi 2w/1w', of: 'ours-2w', to: 'ours-1w', metric: 'rps' },
      ],
    },
    {
      id: 'pass-latency',
      title: 'Cache miss, added latency at a fixed rate',
      description:
        'Open-loop load at a moderate fixed rate (requests leave on schedule whatever the answers do; every latency is kept, percentiles are exact): the p50 each proxy adds over calling the upstream directly.',
      load: { kind: 'open-loop', ratePerSecond: sizes.openLoopRate },
      lua: '',
      openLoopBody: SINGLE_BODY,
      requests: singleCheck,
      cache: 'miss',
      systems: [upstreamDirect(), oursPass(1), floorPass(1), nginxPass(1)],
      ratios: [
        { label: 'jussi added p50', of: 'ours-1w', to: 'upstream', metric: 'p50-added' },
        { label: 'floor added p50', of: 'floor-1w', to: 'upstream', metric: 'p50-added' },
        { label: 'nginx added p50', of: 'nginx-1w', to: 'upstream', metric: 'p50-added' },
      ],
    },
    {
      id: 'pass-ws',
      title: 'Cache miss, pass-through to a WebSocket upstream',
      description:
        'Every request goes to a `ws` upstream that answers each call with the fixed result and the call id; our WebSocket pool (8 connections, calls matched by id) against a bare fastify server forwarding over 8 `ws` connections.',
      load: { kind: 'wrk', connections: sizes.otherConnections },
      lua: fixedBodyLua(SINGLE_BODY),
      requests: singleCheck,
      cache: 'miss',
      systems: [
        ours({ id: 'ours-1w', label: 'jussi 1w (ws upstream)', workers: 1, config: syntheticConfig(s.wsUpstreamUrl, -1), env: PASS_ENV }),
        nodeServer({ id: 'floor-1w', label: 'fastify+ws floor 1w', role: 'floor', script: 'floor-ws', workers: 1, config: { upstream: s.wsUpstreamUrl, connections: 8 } }),
      ],
      ratios: [{ label: 'jussi/floor', of: 'ours-1w', to: 'floor-1w', metric: 'rps' }],
    },
    {
      id: 'hit-redis',
      title: 'Redis-only cache hit (memory tier off)',
      description:
        'The single cache-hit request with `JUSSI_MEMORY_CACHE_MAX_BYTES=0`: every hit is a Redis `GET` to a local redis-server, beside our memory-tier hit and the floor.',
      load: { kind: 'wrk', connections: sizes.otherConnections },
      lua: fixedBodyLua(SINGLE_BODY),
      requests: singleCheck,
      cache: 'hit',
      systems: [
        ours({ id: 'ours-redis', label: 'jussi 1w (Redis only)', workers: 1, config: syntheticConfig(upstreamUrl, 0), env: { ...HIT_ENV, JUSSI_REDIS_URL: s.redisUrl, JUSSI_MEMORY_CACHE_MAX_BYTES: '0' } }),
        ours({ id: 'ours-memory', label: 'jussi 1w (memory)', workers: 1, config: syntheticConfig(upstreamUrl, 0), env: HIT_ENV }),
        floorHit(1, HIT_SINGLE_ANSWER),
      ],
      ratios: [
        { label: 'Redis/floor', of: 'ours-redis', to: 'floor-1w', metric: 'rps' },
        { label: 'Redis/memory', of: 'ours-redis', to: 'ours-memory', metric: 'rps' },
      ],
    },
    {
      id: 'hit-limits',
      title: 'Cache hit, single, with rate limits shared through Redis',
      description:
        'The hit-single request with three rate-limit buckets (per client, broadcasts only, global) shared through a local redis-server that the proxy also uses as its cache tier, against the same proxy without limits (with and without Redis). The limits admit every call: this measures what limiting costs, not what refusing saves.',
      load: { kind: 'wrk', connections: sizes.otherConnections },
      lua: fixedBodyLua(SINGLE_BODY),
      requests: singleCheck,
      cache: 'hit',
      systems: [
        ours({ id: 'ours-plain', label: 'jussi 1w (no limits, no Redis)', workers: 1, config: syntheticConfig(upstreamUrl, 0), env: HIT_ENV }),
        ours({ id: 'ours-redis', label: 'jussi 1w (no limits, Redis)', workers: 1, config: syntheticConfig(upstreamUrl, 0), env: { ...HIT_ENV, JUSSI_REDIS_URL: s.redisUrl } }),
        ours({ id: 'ours-limits', label: 'jussi 1w (rate limits, Redis shared)', workers: 1, config: withRateLimits(syntheticConfig(upstreamUrl, 0)), env: { ...HIT_ENV, JUSSI_REDIS_URL: s.redisUrl } }),
      ],
      ratios: [
        { label: 'limits/plain', of: 'ours-limits', to: 'ours-plain', metric: 'rps' },
        { label: 'limits/Redis', of: 'ours-limits', to: 'ours-redis', metric: 'rps' },
      ],
    },
    {
      id: 'mix',
      title: 'Realistic Steem mix',
      description:
        'The example config (its TTLs and translation) in front of a Steem-like upstream: get_block of old blocks (half from a hot range, half from two million) and of blocks near the head, get_dynamic_global_properties, get_accounts, get_content and other condenser_api calls, 5% batches of 10; memory tier of 256 MiB. Variants: access log off and on, tracing at 1% and 100% sampling to a local OTLP/gRPC endpoint.',
      load: { kind: 'wrk', connections: sizes.otherConnections },
      lua: mixLua(mix),
      requests: mixRequests,
      cache: 'mixed',
      secondsFactor: 2,
      systems: [
        mixSystem('plain', 'jussi (logs off, tracing off)', { LOG_ACCESS_SAMPLE_RATE: '0' }),
        mixSystem('access-log', 'jussi (access log on)', { LOG_ACCESS_SAMPLE_RATE: '1' }),
        mixSystem('trace-1pct', 'jussi (tracing 1%)', { LOG_ACCESS_SAMPLE_RATE: '0', ...tracing('0.01') }),
        mixSystem('trace-100pct', 'jussi (tracing 100%)', { LOG_ACCESS_SAMPLE_RATE: '0', ...tracing('1') }),
      ],
      ratios: [
        { label: 'access log on/off', of: 'access-log', to: 'plain', metric: 'rps' },
        { label: 'tracing 1%/off', of: 'trace-1pct', to: 'plain', metric: 'rps' },
        { label: 'tracing 100%/off', of: 'trace-100pct', to: 'plain', metric: 'rps' },
      ],
    },
  ];
}
