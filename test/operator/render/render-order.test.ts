// Determinism: the same resources give byte-identical text, hash and verdicts whatever order
// they arrive in (informer events come in any order).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { JussiResource } from '@jussi/operator/resources/types';
import { DEFAULT_OPERATOR_LIMITS, type OperatorLimits } from '@jussi/operator/render/limits';
import { render } from '@jussi/operator/render/render';
import { goldenCases, verdictsJson } from './support/golden-cases.js';

function fingerprint(resources: readonly JussiResource[], limits: OperatorLimits): string {
  const out = render({ resources, limits });
  return JSON.stringify([out.ok ? out.text : out.problems, out.ok ? out.hash : null, verdictsJson(out), [...out.verdicts.keys()]]);
}

function assertOrderFree(resources: readonly JussiResource[], limits: OperatorLimits): void {
  const reference = fingerprint(resources, limits);
  fc.assert(
    fc.property(fc.shuffledSubarray([...resources], { minLength: resources.length, maxLength: resources.length }), (shuffled) => {
      assert.equal(fingerprint(shuffled, limits), reference);
    }),
    { numRuns: 40 },
  );
  assert.equal(fingerprint([...resources].reverse(), limits), reference);
}

describe('render is independent of input order', () => {
  for (const c of goldenCases()) {
    if (c.resources.length < 2) continue;
    it(c.name, () => assertOrderFree(c.resources, c.limits));
  }

  it('all golden inputs at once (conflicts across cases, and the same resource key with different specs)', () => {
    const all = goldenCases().flatMap((c) => c.resources);
    assertOrderFree(all, DEFAULT_OPERATOR_LIMITS);
  });

  it('a limits blacklist in another order gives the same text', () => {
    const resources = goldenCases().find((c) => c.name === 'translation')?.resources ?? [];
    const a = render({ resources, limits: { ...DEFAULT_OPERATOR_LIMITS, accountsBlacklist: ['b', 'a', 'c'] } });
    const b = render({ resources, limits: { ...DEFAULT_OPERATOR_LIMITS, accountsBlacklist: ['c', 'b', 'a', 'a'] } });
    assert.ok(a.ok && b.ok);
    assert.equal(a.hash, b.hash);
  });
});
