// `helm lint --strict` (which also validates values.schema.json) on the defaults and on every
// golden value set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { repoRoot } from '../support/repo.js';
import { chartCases } from './support/cases.js';
import { lint } from './support/helm.js';

const e2eValues = join(repoRoot, 'test', 'e2e', 'values.yaml');

describe('helm lint --strict', () => {
  it('passes with the default values', () => {
    const r = lint();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });
  it('passes with the kind e2e values (test/e2e/values.yaml)', () => {
    const r = lint({ valuesFiles: [e2eValues], set: { 'metrics.serviceMonitor.enabled': false } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
  for (const c of chartCases()) {
    // Lint has no --api-versions: the ServiceMonitor case is linted with its monitors off.
    const set = (c.values['metrics'] as { serviceMonitor?: { enabled?: boolean } } | undefined)?.serviceMonitor?.enabled === true
      ? { 'metrics.serviceMonitor.enabled': false } : {};
    it(`passes with ${c.name}.in.yaml`, () => {
      const r = lint({ valuesFiles: [c.valuesFile], set });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/);
    });
  }
});
