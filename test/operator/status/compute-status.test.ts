// Status computation, table by table: Programmed counts, pending, no proxies, figure
// aggregation, lastTransitionTime kept. Every desired status also passes the CRD's status schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StateReport, UpstreamReport } from '@jussi/proxy/admin/state-report';
import { contributionOf, type Verdict } from '@jussi/operator/render/verdict';
import type { CacheRule, Condition, JsonRpcUpstream, RateLimitPolicy } from '@jussi/operator/resources/types';
import { cacheRuleStatus, rateLimitPolicyStatus, upstreamStatus } from '@jussi/operator/status/compute-status';
import type { ProxyState, Publication } from '@jussi/operator/status/inputs';
import { PublishedHistory } from '@jussi/operator/status/published-history';
import { ApiServerApproximation } from '../../crds/support/apiserver-approximation.js';
import { crdForKind, loadCrds, storageSchema } from '../../crds/support/crd-files.js';

const HASH = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const OLD_HASH = 'ffffffff00000000ffffffff00000000ffffffff00000000ffffffff00000000';
const NOW = new Date('2024-06-01T12:00:00.456Z');
const EARLIER = '2024-05-01T08:00:00Z';

function report(overrides: Partial<StateReport> = {}): StateReport {
  return {
    service: 'jussi',
    configHash: HASH,
    configLoadedAt: '2024-06-01T11:59:00Z',
    configSource: 'configmap jussi/jussi-proxy-config',
    lastReloadError: null,
    ready: true,
    workers: 1,
    redis: 'up',
    degraded: false,
    lastIrreversibleBlockNum: null,
    upstreams: [],
    cacheRules: [],
    ...overrides,
  };
}

function pool(url: string, overrides: Partial<UpstreamReport> = {}): UpstreamReport {
  return { url, protocol: 'http', upstreams: ['hive'], size: 4, active: 1, idle: 3, pending: 0, inFlight: 1, healthy: true, lastError: null, ...overrides };
}

const upstream = (generation: number, conditions?: Condition[]): JsonRpcUpstream => ({
  apiVersion: 'jussi.io/v1alpha1',
  kind: 'JsonRpcUpstream',
  metadata: { name: 'hive', namespace: 'rpc', generation },
  spec: {
    namespace: 'hive',
    routes: [
      { prefix: 'hive', urls: ['https://b.example.org', 'https://user:secret@a.example.org'] },
      { prefix: 'hive.get_info', url: 'https://b.example.org' },
    ],
  },
  ...(conditions === undefined ? {} : { status: { conditions } }),
});

const cacheRule = (generation: number): CacheRule => ({
  apiVersion: 'jussi.io/v1alpha1',
  kind: 'CacheRule',
  metadata: { name: 'hive', namespace: 'rpc', generation },
  spec: { rules: [{ prefix: 'hive', policy: 'Seconds', seconds: 3 }, { prefix: 'hive.get_info', policy: 'NoExpiry' }, { prefix: 'bridge', policy: 'NoCache' }] },
});

function accepted(kind: Verdict['kind'], generation: number, extra: Partial<Verdict> = {}): Verdict {
  return { kind, namespace: 'rpc', name: 'hive', generation, accepted: true, reason: 'Accepted', message: 'serves namespace "hive" with 2 routes', ...extra };
}

/**
 * What is published of resource rpc/hive: nothing ('none'), or HASH as the latest document,
 * holding generation `latest` of it (null: not at all), after OLD_HASH, which holds generation
 * `old` (default: none of it).
 */
function publication(verdict: Verdict, latest: number | null | 'none', old: number | null = null): Publication {
  const history = new PublishedHistory();
  const key = `${verdict.kind}/rpc/hive`;
  const holding = (g: number | null): Map<string, string> => {
    const held = g === null ? null : contributionOf({ ...verdict, accepted: true, generation: g });
    return new Map(held === null ? [] : [[key, held]]);
  };
  if (latest !== 'none') {
    history.record(OLD_HASH, holding(old));
    history.record(HASH, holding(latest));
  }
  return history.publicationOf(key, contributionOf(verdict));
}
const pods = (...reports: (StateReport | null)[]): ProxyState[] => reports.map((r, i) => ({ pod: `jussi-proxy-${i}`, report: r }));

const crds = loadCrds();
const upstreamSchema = new ApiServerApproximation(storageSchema(crdForKind(crds, 'JsonRpcUpstream')));
const cacheRuleSchema = new ApiServerApproximation(storageSchema(crdForKind(crds, 'CacheRule')));

function assertStatusFitsCrd(server: ApiServerApproximation, kind: string, status: object): void {
  const object = { apiVersion: 'jussi.io/v1alpha1', kind, metadata: { name: 'x' }, spec: kind === 'CacheRule' ? cacheRule(1).spec : upstream(1).spec, status };
  assert.deepEqual(server.check(object), []);
}

describe('Programmed', () => {
  const table: {
    name: string;
    verdict: Verdict;
    latest: number | null | 'none';
    old?: number;
    proxies: ProxyState[];
    status: Condition['status'];
    reason: string;
    message: string;
    programmedProxies: string;
  }[] = [
    {
      name: 'every ready proxy runs the published hash holding this generation',
      verdict: accepted('JsonRpcUpstream', 3),
      latest: 3,
      proxies: pods(report(), report(), report()),
      status: 'True',
      reason: 'Programmed',
      message: '3/3 proxies run generation 3',
      programmedProxies: '3/3',
    },
    {
      name: 'one ready proxy still runs the previous config',
      verdict: accepted('JsonRpcUpstream', 3),
      latest: 3,
      proxies: pods(report(), report({ configHash: OLD_HASH }), report()),
      status: 'False',
      reason: 'Pending',
      message: '2/3 proxies run generation 3; 1 ready one does not yet',
      programmedProxies: '2/3',
    },
    {
      name: 'a proxy still on the previous document counts when that document already holds this generation',
      verdict: accepted('JsonRpcUpstream', 3),
      latest: 3,
      old: 3,
      proxies: pods(report(), report({ configHash: OLD_HASH }), report()),
      status: 'True',
      reason: 'Programmed',
      message: '3/3 proxies run generation 3',
      programmedProxies: '3/3',
    },
    {
      name: 'a proxy that did not answer and one not ready do not hold Programmed back, and are counted',
      verdict: accepted('JsonRpcUpstream', 3),
      latest: 3,
      proxies: pods(report(), null, report({ ready: false, configHash: null })),
      status: 'True',
      reason: 'Programmed',
      message: '1/3 proxies run generation 3; 2 not ready or not answering',
      programmedProxies: '1/3',
    },
    {
      name: 'the published document holds an older generation',
      verdict: accepted('JsonRpcUpstream', 4),
      latest: 3,
      proxies: pods(report(), report()),
      status: 'False',
      reason: 'Pending',
      message: 'generation 4 is not in the published configuration yet',
      programmedProxies: '0/2',
    },
    {
      name: 'the published document does not hold the resource at all',
      verdict: accepted('JsonRpcUpstream', 1),
      latest: null,
      proxies: pods(report()),
      status: 'False',
      reason: 'Pending',
      message: 'generation 1 is not in the published configuration yet',
      programmedProxies: '0/1',
    },
    {
      name: 'nothing published yet',
      verdict: accepted('JsonRpcUpstream', 1),
      latest: 'none',
      proxies: pods(report({ configHash: null, ready: false })),
      status: 'False',
      reason: 'Pending',
      message: 'no configuration has been published yet',
      programmedProxies: '0/1',
    },
    {
      name: 'no proxy pods at all',
      verdict: accepted('JsonRpcUpstream', 2),
      latest: 2,
      proxies: [],
      status: 'False',
      reason: 'NoProxies',
      message: 'no proxy pods found',
      programmedProxies: '0/0',
    },
    {
      name: 'proxy pods, none ready or answering',
      verdict: accepted('JsonRpcUpstream', 2),
      latest: 2,
      proxies: pods(null, report({ ready: false })),
      status: 'False',
      reason: 'NoProxies',
      message: 'none of the 2 proxy pods is ready and answering its state report',
      programmedProxies: '0/2',
    },
    {
      name: 'not accepted (Conflicted), even with every proxy on the published hash',
      verdict: { ...accepted('JsonRpcUpstream', 2), accepted: false, reason: 'Conflicted', message: 'namespace "hive" is already served by ...' },
      latest: null,
      proxies: pods(report(), report()),
      status: 'False',
      reason: 'NotAccepted',
      message: 'not programmed because it is not accepted (Conflicted)',
      programmedProxies: '0/2',
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const status = upstreamStatus({ resource: upstream(row.verdict.generation), verdict: row.verdict, publication: publication(row.verdict, row.latest, row.old), proxies: row.proxies, now: NOW });
      const programmed = status.conditions.find((c) => c.type === 'Programmed');
      assert.deepEqual(
        { status: programmed?.status, reason: programmed?.reason, message: programmed?.message, programmedProxies: status.programmedProxies },
        { status: row.status, reason: row.reason, message: row.message, programmedProxies: row.programmedProxies },
      );
      assert.equal(programmed?.observedGeneration, row.verdict.generation);
      assert.equal(status.observedGeneration, row.verdict.generation);
      assertStatusFitsCrd(upstreamSchema, 'JsonRpcUpstream', status);
    });
  }

  it('the proxies figures say total, ready and programmed (no config hash: it changes with every other resource)', () => {
    const status = upstreamStatus({
      resource: upstream(1),
      verdict: accepted('JsonRpcUpstream', 1),
      publication: publication(accepted('JsonRpcUpstream', 1), 1),
      proxies: pods(report(), report({ configHash: OLD_HASH }), null, report({ ready: false })),
      now: NOW,
    });
    assert.deepEqual(status.proxies, { total: 4, ready: 2, programmed: 1 });
  });
});

describe('Accepted', () => {
  const table: { verdict: Verdict; status: Condition['status']; reason: string }[] = [
    { verdict: accepted('JsonRpcUpstream', 1), status: 'True', reason: 'Accepted' },
    { verdict: { ...accepted('JsonRpcUpstream', 1), accepted: false, reason: 'Invalid', message: 'spec.routes[0].url: must be ...' }, status: 'False', reason: 'Invalid' },
    { verdict: { ...accepted('JsonRpcUpstream', 1), accepted: false, reason: 'Conflicted', message: 'namespace ...', conflictsWith: 'a/b' }, status: 'False', reason: 'Conflicted' },
    { verdict: { ...accepted('JsonRpcUpstream', 1), accepted: false, reason: 'Deleting', message: 'being deleted' }, status: 'False', reason: 'Deleting' },
  ];
  for (const row of table) {
    it(`${row.verdict.reason} -> Accepted=${row.status}, with the verdict's message`, () => {
      const status = upstreamStatus({ resource: upstream(1), verdict: row.verdict, publication: publication(row.verdict, 1), proxies: pods(report()), now: NOW });
      const c = status.conditions.find((x) => x.type === 'Accepted');
      assert.deepEqual([c?.status, c?.reason, c?.message], [row.status, row.reason, row.verdict.message]);
      assert.deepEqual(status.conditions.map((x) => x.type), ['Accepted', 'Programmed']);
      assertStatusFitsCrd(upstreamSchema, 'JsonRpcUpstream', status);
    });
  }
});

describe('lastTransitionTime', () => {
  const previous: Condition[] = [
    { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'old message', observedGeneration: 1, lastTransitionTime: EARLIER },
    { type: 'Programmed', status: 'False', reason: 'Pending', message: '1/2 proxies run generation 1', observedGeneration: 1, lastTransitionTime: EARLIER },
  ];
  const table: { name: string; proxies: ProxyState[]; accepted: string; programmed: string }[] = [
    { name: 'kept when the status stays (message and generation may change)', proxies: pods(report(), report({ configHash: OLD_HASH })), accepted: EARLIER, programmed: EARLIER },
    { name: 'set to now (whole seconds) when the status changes', proxies: pods(report(), report()), accepted: EARLIER, programmed: '2024-06-01T12:00:00Z' },
  ];
  for (const row of table) {
    it(row.name, () => {
      const status = upstreamStatus({ resource: upstream(2, previous), verdict: accepted('JsonRpcUpstream', 2), publication: publication(accepted('JsonRpcUpstream', 2), 2), proxies: row.proxies, now: NOW });
      assert.deepEqual(
        status.conditions.map((c) => [c.type, c.lastTransitionTime, c.observedGeneration]),
        [
          ['Accepted', row.accepted, 2],
          ['Programmed', row.programmed, 2],
        ],
      );
    });
  }

  it('new conditions start now; an explicit previous overrides the resource status', () => {
    const fresh = upstreamStatus({ resource: upstream(1), verdict: accepted('JsonRpcUpstream', 1), publication: publication(accepted('JsonRpcUpstream', 1), 1), proxies: pods(report()), now: NOW });
    assert.deepEqual(fresh.conditions.map((c) => c.lastTransitionTime), ['2024-06-01T12:00:00Z', '2024-06-01T12:00:00Z']);
    const overridden = upstreamStatus({ resource: upstream(1, previous), previous: [], verdict: accepted('JsonRpcUpstream', 1), publication: publication(accepted('JsonRpcUpstream', 1), 1), proxies: pods(report()), now: NOW });
    assert.deepEqual(overridden.conditions.map((c) => c.lastTransitionTime), ['2024-06-01T12:00:00Z', '2024-06-01T12:00:00Z']);
  });

  it('unchanged inputs give an identical status, whatever order the pods come in', () => {
    const proxies = pods(report({ upstreams: [pool('https://b.example.org')] }), report({ upstreams: [pool('https://b.example.org', { healthy: false, lastError: 'ECONNRESET' })] }), null);
    const first = upstreamStatus({ resource: upstream(2, previous), verdict: accepted('JsonRpcUpstream', 2), publication: publication(accepted('JsonRpcUpstream', 2), 2), proxies, now: NOW });
    const again = upstreamStatus({ resource: { ...upstream(2), status: first }, verdict: accepted('JsonRpcUpstream', 2), publication: publication(accepted('JsonRpcUpstream', 2), 2), proxies: [...proxies].reverse(), now: new Date('2024-06-01T12:05:00Z') });
    assert.deepEqual(again, first);
    assert.equal(JSON.stringify(again), JSON.stringify(first));
  });
});

describe('pool figures (JsonRpcUpstream)', () => {
  it('sum per URL over reporting proxies; healthy only when all reporting proxies say so; credentials never shown', () => {
    const proxies = pods(
      report({
        upstreams: [
          pool('https://b.example.org/', { size: 8, active: 2, idle: 6, pending: 1 }),
          pool('https://a.example.org', { size: 2, active: 2, idle: 0, pending: 5, healthy: false, lastError: 'connect ECONNREFUSED' }),
          pool('https://unrelated.example.org', { size: 99 }),
        ],
      }),
      report({ upstreams: [pool('https://b.example.org', { size: 4, active: 0, idle: 4, pending: 0, lastError: 'one timeout, recovered' })] }),
      null,
    );
    const status = upstreamStatus({ resource: upstream(1), verdict: accepted('JsonRpcUpstream', 1), publication: publication(accepted('JsonRpcUpstream', 1), 1), proxies, now: NOW });
    assert.deepEqual(status.pools, [
      { url: 'https://a.example.org/', size: 2, active: 2, idle: 0, pending: 5, healthyProxies: 0, reportingProxies: 1, healthy: false, lastError: 'connect ECONNREFUSED' },
      { url: 'https://b.example.org', size: 12, active: 2, idle: 10, pending: 1, healthyProxies: 2, reportingProxies: 2, healthy: true, lastError: 'one timeout, recovered' },
    ]);
    assert.equal(status.routeCount, 2);
    assertStatusFitsCrd(upstreamSchema, 'JsonRpcUpstream', status);
  });

  it('a URL no proxy reports is listed with zeros and not healthy', () => {
    const status = upstreamStatus({ resource: upstream(1), verdict: accepted('JsonRpcUpstream', 1), publication: publication(accepted('JsonRpcUpstream', 1), 1), proxies: pods(report()), now: NOW });
    assert.deepEqual(
      status.pools.map((p) => [p.url, p.size, p.reportingProxies, p.healthy]),
      [
        ['https://a.example.org/', 0, 0, false],
        ['https://b.example.org', 0, 0, false],
      ],
    );
  });

  it('no pools for a resource that is not accepted; malformed report figures count as 0', () => {
    const rejected = upstreamStatus({
      resource: upstream(1),
      verdict: { ...accepted('JsonRpcUpstream', 1), accepted: false, reason: 'Invalid', message: 'bad' },
      publication: publication(accepted('JsonRpcUpstream', 1), null),
      proxies: pods(report({ upstreams: [pool('https://b.example.org')] })),
      now: NOW,
    });
    assert.deepEqual(rejected.pools, []);
    const odd = { ...pool('https://b.example.org'), size: -3, active: Number.NaN, idle: '7' } as unknown as UpstreamReport;
    const status = upstreamStatus({ resource: upstream(1), verdict: accepted('JsonRpcUpstream', 1), publication: publication(accepted('JsonRpcUpstream', 1), 1), proxies: pods(report({ upstreams: [odd] })), now: NOW });
    assert.deepEqual(status.pools.find((p) => p.url === 'https://b.example.org'), {
      url: 'https://b.example.org', size: 0, active: 0, idle: 0, pending: 0, healthyProxies: 1, reportingProxies: 1, healthy: true,
    });
  });
});

describe('cache figures (CacheRule)', () => {
  const table: { name: string; proxies: ProxyState[]; rules: { prefix: string; hits: number; misses: number; hitRatio: string }[] }[] = [
    {
      name: 'hits and misses summed over proxies by rule prefix, with a 4-digit hit ratio',
      proxies: pods(
        report({ cacheRules: [{ prefix: 'hive', hits: 75, misses: 20 }, { prefix: 'hive.get_info', hits: 1, misses: 0 }, { prefix: 'appbase', hits: 5, misses: 5 }] }),
        report({ cacheRules: [{ prefix: 'hive', hits: 6, misses: 0 }] }),
        null,
      ),
      rules: [
        { prefix: 'bridge', hits: 0, misses: 0, hitRatio: '0' },
        { prefix: 'hive', hits: 81, misses: 20, hitRatio: '0.8020' },
        { prefix: 'hive.get_info', hits: 1, misses: 0, hitRatio: '1.0000' },
      ],
    },
    {
      name: 'no traffic: ratio "0"',
      proxies: pods(report()),
      rules: [
        { prefix: 'bridge', hits: 0, misses: 0, hitRatio: '0' },
        { prefix: 'hive', hits: 0, misses: 0, hitRatio: '0' },
        { prefix: 'hive.get_info', hits: 0, misses: 0, hitRatio: '0' },
      ],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const status = cacheRuleStatus({ resource: cacheRule(2), verdict: accepted('CacheRule', 2, { message: '3 rules apply' }), publication: publication(accepted('CacheRule', 2), 2), proxies: row.proxies, now: NOW });
      assert.deepEqual(status.rules, row.rules);
      assert.equal(status.ruleCount, 3);
      assertStatusFitsCrd(cacheRuleSchema, 'CacheRule', status);
    });
  }

  it('rules waiting for an upstream are named in a True Programmed message', () => {
    const status = cacheRuleStatus({
      resource: cacheRule(2),
      verdict: accepted('CacheRule', 2, { message: '2 of 3 rules apply; 1 wait ...', waitingPrefixes: ['bridge'] }),
      publication: publication(accepted('CacheRule', 2, { waitingPrefixes: ['bridge'] }), 2),
      proxies: pods(report()),
      now: NOW,
    });
    const programmed = status.conditions.find((c) => c.type === 'Programmed');
    assert.equal(programmed?.status, 'True');
    assert.equal(programmed?.message, '1/1 proxies run generation 2; 1 of the rules wait for a JsonRpcUpstream (see Accepted)');
  });

  it('NoUpstream: Accepted False, Programmed NotAccepted, no figures', () => {
    const status = cacheRuleStatus({
      resource: cacheRule(1),
      verdict: { ...accepted('CacheRule', 1), accepted: false, reason: 'NoUpstream', message: 'no accepted JsonRpcUpstream serves ...', waitingPrefixes: ['hive', 'hive.get_info', 'bridge'] },
      publication: publication(accepted('CacheRule', 1), null),
      proxies: pods(report()),
      now: NOW,
    });
    assert.deepEqual(
      status.conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ['Accepted', 'False', 'NoUpstream'],
        ['Programmed', 'False', 'NotAccepted'],
      ],
    );
    assert.deepEqual(status.rules, []);
    assertStatusFitsCrd(cacheRuleSchema, 'CacheRule', status);
  });
});

describe('RateLimitPolicy status', () => {
  const policy: RateLimitPolicy = {
    apiVersion: 'jussi.io/v1alpha1',
    kind: 'RateLimitPolicy',
    metadata: { name: 'public', namespace: 'rpc', generation: 2 },
    spec: { buckets: [{ name: 'anonymous', key: 'Client', limit: 20 }, { name: 'broadcast', key: 'Subject', limit: 5, periodSeconds: 60 }] },
  };
  const schema = new ApiServerApproximation(storageSchema(crdForKind(crds, 'RateLimitPolicy')));

  it('sums refused calls per bucket over the proxies and counts those limiting locally', () => {
    const status = rateLimitPolicyStatus({
      resource: policy,
      verdict: accepted('RateLimitPolicy', 2, { message: 'defines 2 buckets' }),
      publication: publication(accepted('RateLimitPolicy', 2), 2),
      proxies: pods(
        report({ rateLimits: { mode: 'shared', peers: 2, limited: { anonymous: 3, 'not-this-policy': 9 } } }),
        report({ rateLimits: { mode: 'local', peers: 2, limited: { anonymous: 4, broadcast: 1 } } }),
        null,
      ),
      now: NOW,
    });
    assert.deepEqual(status.buckets, [
      { name: 'anonymous', limited: 7 },
      { name: 'broadcast', limited: 1 },
    ]);
    assert.equal(status.bucketCount, 2);
    assert.equal(status.localProxies, 1);
    const programmed = status.conditions.find((c) => c.type === 'Programmed');
    assert.equal(programmed?.status, 'True');
    assert.equal(programmed?.message, '2/3 proxies run generation 2; 1 not ready or not answering; 1 limit locally at their share because their Redis is unusable');
    assert.deepEqual(schema.check({ apiVersion: 'jussi.io/v1alpha1', kind: 'RateLimitPolicy', metadata: { name: 'x' }, spec: policy.spec, status }), []);
  });

  it('a conflicted policy has no figures and is not programmed', () => {
    const status = rateLimitPolicyStatus({
      resource: policy,
      verdict: { ...accepted('RateLimitPolicy', 2), accepted: false, reason: 'Conflicted', message: 'bucket "anonymous" is already defined by rpc/older', conflictsWith: 'rpc/older' },
      publication: publication(accepted('RateLimitPolicy', 2), null),
      proxies: pods(report()),
      now: NOW,
    });
    assert.deepEqual(status.buckets, []);
    assert.deepEqual(status.conditions.map((c) => [c.type, c.status, c.reason]), [
      ['Accepted', 'False', 'Conflicted'],
      ['Programmed', 'False', 'NotAccepted'],
    ]);
  });
});
