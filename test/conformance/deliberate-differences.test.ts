// The rules of the conformance harness itself: deliberate-differences.json names suites that
// exist, states exact values (no patterns), and the judge of a suite fails every case that is
// neither equal to its vector nor listed with exactly the values we produce, every listed case
// that agrees with jussi, and every listed id that is not a case. Under CI, absent vectors fail.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { conformanceAvailable, repoRoot } from '../support/repo.js';
import { PASS, SUITE_NAMES, all, differs, expectEqual, fail, judge, listedCases, loadDeliberate, type DeliberateEntry, type Outcome } from './harness.js';

/** ARCHITECTURE.md "Deliberate differences from jussi" has items 1 to 14. */
const ARCHITECTURE_ITEMS = 14;

function isOurs(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
}

describe('deliberate-differences.json', () => {
  const entries = loadDeliberate();

  it('every suite name belongs to a suite that a conformance test defines', () => {
    const dir = join(repoRoot, 'test', 'conformance');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.conformance.test.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    for (const name of SUITE_NAMES) assert.ok(sources.includes(`'${name}'`), `no conformance test defines ${name}`);
  });

  it('names existing suites, an ARCHITECTURE item or an issue, and why', () => {
    for (const e of entries) {
      assert.ok((SUITE_NAMES as readonly string[]).includes(e.suite), `unknown suite ${e.suite}`);
      if (typeof e.item === 'number') assert.ok(Number.isInteger(e.item) && e.item >= 1 && e.item <= ARCHITECTURE_ITEMS, `item ${e.item}`);
      else assert.match(e.item, /^issue \d+/);
      assert.ok(e.why.length > 20, `${e.suite}: say why`);
    }
  });

  it('lists exact case ids, each with the exact values we produce', () => {
    for (const e of entries) {
      const ids = listedCases(e);
      assert.ok(ids.length > 0, `${e.suite} item ${e.item}: no cases`);
      for (const id of ids) assert.ok(!(id.length > 2 && id.startsWith('/') && id.endsWith('/')), `${id}: a pattern, not a case id`);
      if (Array.isArray(e.cases)) {
        assert.ok(isOurs(e.ours), `${e.suite} item ${e.item}: a list of cases needs "ours"`);
      } else {
        assert.equal(e.ours, undefined, `${e.suite} item ${e.item}: per-case values and a shared "ours"`);
        for (const [id, ours] of Object.entries(e.cases)) assert.ok(isOurs(ours), `${id}: no values`);
      }
    }
  });

  it('lists a case at most once per suite', () => {
    const seen = new Set<string>();
    for (const e of entries) {
      for (const id of listedCases(e)) {
        const key = `${e.suite}\u0000${id}`;
        assert.ok(!seen.has(key), `${e.suite}: ${id} listed twice`);
        seen.add(key);
      }
    }
  });
});

describe('the judge of a suite', () => {
  const ttlDiffers: Outcome = differs('ttl', -1, 'ttl: expected 3, got -1');
  const entry = (cases: DeliberateEntry['cases'], ours?: DeliberateEntry['ours']): DeliberateEntry => ({ suite: 'ttl_cases.json', item: 2, why: 'a test entry', cases, ...(ours === undefined ? {} : { ours }) });

  it('counts a case equal to its vector as passed', () => {
    assert.deepEqual(judge([{ id: 'a', outcome: PASS }], []), { passed: 1, deliberate: 0, failures: [] });
  });

  it('fails an unlisted difference', () => {
    const verdict = judge([{ id: 'a', outcome: ttlDiffers }], []);
    assert.deepEqual(verdict.failures, ['a: ttl: expected 3, got -1']);
  });

  it('accepts a listed difference only with exactly the values we produce', () => {
    assert.deepEqual(judge([{ id: 'a', outcome: ttlDiffers }], [entry(['a'], { ttl: -1 })]), { passed: 0, deliberate: 1, failures: [] });
    assert.deepEqual(judge([{ id: 'a', outcome: ttlDiffers }], [entry({ a: { ttl: -1 } })]).deliberate, 1);
    const wrongValue = judge([{ id: 'a', outcome: ttlDiffers }], [entry(['a'], { ttl: 180 })]);
    assert.match(wrongValue.failures.join(), /listed \(item 2\) with ours = \{"ttl":180\}, but ours is \{"ttl":-1\}/);
    const moreDifferences = all(ttlDiffers, differs('url', 'x', 'url differs'));
    assert.equal(judge([{ id: 'a', outcome: moreDifferences }], [entry(['a'], { ttl: -1 })]).failures.length, 1, 'every difference must be listed');
  });

  it('fails a listed case that agrees with jussi, one listed twice, and an id that is no case', () => {
    assert.match(judge([{ id: 'a', outcome: PASS }], [entry(['a'], { ttl: -1 })]).failures.join(), /agrees with jussi/);
    assert.match(judge([{ id: 'a', outcome: ttlDiffers }], [entry(['a'], { ttl: -1 }), entry(['a'], { ttl: -1 })]).failures.join(), /listed twice/);
    assert.match(judge([{ id: 'a', outcome: PASS }], [entry(['b'], { ttl: -1 })]).failures.join(), /lists "b", which is not a case/);
  });

  it('records what we produce for each difference', () => {
    assert.deepEqual(expectEqual(-1, 3, 'ttl'), ttlDiffers);
    assert.deepEqual(fail('not routable'), { ok: false, detail: 'not routable', ours: { failure: 'not routable' } });
    assert.deepEqual(all(PASS, ttlDiffers, differs('url', [], 'no url')), { ok: false, detail: 'ttl: expected 3, got -1; no url', ours: { ttl: -1, url: [] } });
  });
});

describe('absent jussi vectors', () => {
  it('skip outside CI and fail under CI', () => {
    const empty = mkdtempSync(join(tmpdir(), 'jussi-no-vectors-'));
    try {
      assert.equal(conformanceAvailable(empty, false), false);
      assert.throws(() => conformanceAvailable(empty, true), /under CI \(CI=true\) they must be there/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
