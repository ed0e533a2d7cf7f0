// Property tests: whatever resources arrive (well-formed, nearly right, or junk the CRD would
// have refused), render never throws, gives every resource a verdict, and returns a document the
// proxy's own validator accepts, the same one in any input order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { keyOf } from '@jussi/operator/resources/resource-key';
import type { JussiResource } from '@jussi/operator/resources/types';
import { DEFAULT_OPERATOR_LIMITS, type OperatorLimits } from '@jussi/operator/render/limits';
import { render } from '@jussi/operator/render/render';

// Clean resources have the shapes the CRD allows (they still conflict, wait for upstreams, or
// hold dead params prefixes); dirty ones may hold anything anywhere.
function resourceArbitrary(dirty: boolean): fc.Arbitrary<JussiResource> {
  /** The expected value; in a dirty resource sometimes anything at all. */
  const or = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
    dirty ? fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: fc.anything() }) : arb;
  const pick = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> =>
    dirty ? fc.oneof({ weight: 2, arbitrary: good }, { weight: 1, arbitrary: bad }) : good;

  const rpcNamespace = pick(fc.constantFrom('steemd', 'appbase', 'hive', 'bridge'), fc.constantFrom('condenser_api', 'jsonrpc', 'bad.ns', '', 'a b'));
  const component = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('database_api', 'condenser_api', 'get_block', 'get_state', 'params=[1000]', 'params={"a":1}', 'params=["\\/trending"]', 'params=null') },
    { weight: 1, arbitrary: pick(fc.constant('get_config'), fc.constantFrom("params=['/trending']", 'params=1', '', 'x.y')) },
  );
  /** A prefix inside `ns` (in a dirty resource, sometimes anywhere or anything). */
  const prefixIn = (ns: string): fc.Arbitrary<string> =>
    pick(
      fc.array(component, { maxLength: 2 }).map((rest) => [ns, ...rest].join('.')),
      fc.oneof(fc.tuple(rpcNamespace, fc.array(component, { maxLength: 4 })).map(([n, rest]) => [n, ...rest].join('.')), fc.string({ maxLength: 12 })),
    );
  const url = pick(
    fc.constantFrom('https://api.steemit.com', 'http://127.0.0.1:8090', 'wss://ws.example.org/x', 'ws://a', 'https://user:pw@h.example.org'),
    fc.oneof(fc.constantFrom('ftp://x', 'https://', 'http://:80', 'https://a b'), fc.string({ maxLength: 10 })),
  );
  const byPrefix = (x: unknown): string => JSON.stringify((x as { prefix?: unknown } | null)?.prefix);
  const route = (ns: string): fc.Arbitrary<unknown> =>
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ prefix: or(prefixIn(ns)), url: or(url) }) },
      { weight: 2, arbitrary: fc.record({ prefix: or(prefixIn(ns)), urls: or(fc.uniqueArray(url, { minLength: 1, maxLength: 3 })) }) },
      { weight: dirty ? 1 : 0, arbitrary: fc.record({ prefix: or(prefixIn(ns)), url: or(url), urls: or(fc.array(url, { maxLength: 2 })) }, { requiredKeys: ['prefix'] }) },
    );
  const upstreamSpec = rpcNamespace.chain((ns) =>
    fc.record(
      {
        namespace: or(fc.constant(ns)),
        translateToAppbase: or(fc.boolean()),
        routes: or(fc.uniqueArray(or(route(ns)), { minLength: 1, maxLength: 4, selector: byPrefix })),
        timeouts: or(fc.uniqueArray(or(fc.record({ prefix: or(prefixIn(ns)), seconds: or(pick(fc.integer({ min: 0, max: 60 }), fc.integer({ min: -2, max: 4000 }))) })), { maxLength: 3, selector: byPrefix })),
        pool: or(
          fc.record(
            { httpConnections: or(pick(fc.integer({ min: 1, max: 64 }), fc.integer({ min: -1, max: 2000 }))), websocketMin: or(fc.integer({ min: 0, max: 4 })), websocketMax: or(pick(fc.integer({ min: 4, max: 8 }), fc.integer({ min: 0, max: 300 }))) },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: ['namespace', 'routes'] },
    ),
  );
  const policy = pick(fc.constantFrom('Seconds', 'NoExpiry', 'NoCache', 'Irreversible'), fc.constant('Forever'));
  const rule = fc.tuple(rpcNamespace, policy).chain(([ns, p]) =>
    fc.record(
      {
        prefix: or(prefixIn(ns)),
        policy: or(fc.constant(p)),
        seconds: p === 'Seconds' || dirty ? or(pick(fc.integer({ min: 1, max: 3600 }), fc.integer({ min: -1, max: 40_000_000 }))) : fc.constant(undefined),
      },
      { requiredKeys: p === 'Seconds' ? ['prefix', 'policy', 'seconds'] : ['prefix', 'policy'] },
    ),
  );
  const cacheRuleSpec = fc.record({ rules: or(fc.uniqueArray(or(rule), { minLength: 1, maxLength: 4, selector: byPrefix })) });
  const metadata = fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    namespace: fc.constantFrom('ns1', 'ns2'),
    generation: or(fc.integer({ min: 1, max: 9 })),
    creationTimestamp: or(pick(fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', '2024-01-02T00:00:00.500Z'), fc.constant('yesterday'))),
    deletionTimestamp: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant('2024-05-01T00:00:00Z') }),
  });
  return fc.oneof(
    fc.record({ apiVersion: fc.constant('jussi.io/v1alpha1'), kind: fc.constant('JsonRpcUpstream'), metadata, spec: or(upstreamSpec) }),
    fc.record({ apiVersion: fc.constant('jussi.io/v1alpha1'), kind: fc.constant('CacheRule'), metadata, spec: or(cacheRuleSpec) }),
  ) as unknown as fc.Arbitrary<JussiResource>;
}

const resource = fc.oneof({ weight: 3, arbitrary: resourceArbitrary(false) }, { weight: 1, arbitrary: resourceArbitrary(true) });
const resources = fc.array(resource, { maxLength: 8 });

describe('render (property)', () => {
  it('never throws, judges every resource, and its document passes the proxy validator, in any order', () => {
    fc.assert(
      fc.property(resources, fc.func(fc.integer()), (input, rank) => {
        const out = render({ resources: input, limits: DEFAULT_OPERATOR_LIMITS });
        assert.ok(out.ok, out.ok ? '' : out.problems.join('\n'));
        const loaded = loadConfigDocument(out.text);
        assert.ok(loaded.ok, 'the proxy accepts the document');
        assert.equal(loaded.config.hash, out.hash);
        assert.deepEqual(new Set(out.verdicts.keys()), new Set(input.map(keyOf)));

        const served = out.document.upstreams.map((b) => b.name);
        assert.equal(new Set(served).size, served.length, 'one block per namespace');
        const acceptedUpstreams = [...out.verdicts.values()].filter((v) => v.kind === 'JsonRpcUpstream' && v.accepted);
        assert.equal(acceptedUpstreams.length, served.length, 'one block per accepted JsonRpcUpstream');

        const shuffled = [...input].sort((a, b) => rank(a) - rank(b));
        const again = render({ resources: shuffled, limits: DEFAULT_OPERATOR_LIMITS });
        assert.ok(again.ok);
        assert.equal(again.text, out.text);
        assert.deepEqual([...again.verdicts], [...out.verdicts]);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws whatever the limits; refuses (an error value) limits the proxy would reject', () => {
    const number = fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double(), fc.constant(Number.NaN));
    const limits = fc.record({
      batchSizeLimit: number,
      accountHistoryLimit: number,
      customJsonOpLength: number,
      accountsBlacklist: fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
    }) as fc.Arbitrary<OperatorLimits>;
    fc.assert(
      fc.property(resources, limits, (input, l) => {
        const out = render({ resources: input, limits: l });
        if (out.ok) assert.ok(loadConfigDocument(out.text).ok);
        else assert.ok(out.problems.length > 0);
      }),
      { numRuns: 200 },
    );
  });
});
