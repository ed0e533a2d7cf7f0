// `helm template` of every value set in test/helm/cases equals its golden file (rendered with
// the ServiceMonitor API available, as a cluster with the Prometheus Operator would be).
// UPDATE_GOLDEN=1 rewrites the golden files; review the diff like code.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { chartCases } from './support/cases.js';
import { template } from './support/helm.js';

const update = process.env['UPDATE_GOLDEN'] === '1';

describe('helm template golden files', () => {
  const cases = chartCases();
  it('has the value sets', () => {
    assert.ok(cases.length >= 10, `only ${cases.length} cases in test/helm/cases`);
  });
  for (const c of cases) {
    it(`${c.name}: ${c.purpose}`, () => {
      const r = template({ valuesFiles: [c.valuesFile], serviceMonitorApi: true });
      assert.equal(r.status, 0, r.stderr);
      if (update) writeFileSync(c.goldenFile, r.stdout);
      assert.ok(existsSync(c.goldenFile), `${c.goldenFile} is missing: run UPDATE_GOLDEN=1 npm run t -- test/helm/golden.test.ts`);
      assert.equal(r.stdout, readFileSync(c.goldenFile, 'utf8'),
        `${c.name}.out.yaml is stale: review the chart change, then run UPDATE_GOLDEN=1 npm run t -- test/helm/golden.test.ts`);
    });
  }
});
