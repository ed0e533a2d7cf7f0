// Golden tests for render: a folder of resources in, the exact published document and the
// verdicts out. `UPDATE_GOLDEN=1 npm run t -- test/operator/render/render-golden.test.ts`
// rewrites the expected files (review the diff before committing).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { render } from '@jussi/operator/render/render';
import { goldenCases, problemsJson, resourcesFromYaml, verdictsJson } from './support/golden-cases.js';
import { examplesDir } from '../../crds/support/crd-files.js';

const update = process.env['UPDATE_GOLDEN'] === '1';

function expectFile(path: string, actual: string | null): void {
  if (update) {
    if (actual === null) rmSync(path, { force: true });
    else writeFileSync(path, actual);
    return;
  }
  if (actual === null) {
    assert.ok(!existsSync(path), `${path} should not exist for this case`);
    return;
  }
  assert.ok(existsSync(path), `${path} is missing (UPDATE_GOLDEN=1 writes it)`);
  assert.equal(actual, readFileSync(path, 'utf8'));
}

describe('render golden cases', () => {
  const cases = goldenCases();

  it('cover what the issue asks for', () => {
    const names = cases.map((c) => c.name);
    for (const required of [
      'jussi-dev-config',
      'jussi-hivemind-example',
      'translation',
      'failover',
      'upstream-conflict',
      'cache-rule-conflict',
      'invalid-next-to-valid',
      'cache-rule-without-upstream',
      'empty',
      'rate-limits',
    ]) {
      assert.ok(names.includes(required), `missing golden case ${required}`);
    }
  });

  for (const c of cases) {
    it(c.name, () => {
      const result = render({ resources: c.resources, limits: c.limits, ...(c.edge === undefined ? {} : { edge: c.edge }) });
      expectFile(join(c.dir, 'expected-config.json'), result.ok ? result.text : null);
      expectFile(join(c.dir, 'expected-problems.json'), result.ok ? null : problemsJson(result));
      expectFile(join(c.dir, 'expected-verdicts.json'), verdictsJson(result));
      assert.equal(result.verdicts.size, c.resources.length, 'one verdict per resource');
      if (result.ok) {
        assert.equal(result.hash, createHash('sha256').update(result.text, 'utf8').digest('hex'));
        const loaded = loadConfigDocument(result.text);
        assert.ok(loaded.ok, 'the proxy loads the document');
        assert.equal(loaded.config.hash, result.hash, 'the proxy computes the same hash');
        assert.deepEqual(JSON.parse(result.text), result.document);
      }
    });
  }

  for (const [example, golden] of [
    ['dev-config.yaml', 'jussi-dev-config'],
    ['hivemind.yaml', 'jussi-hivemind-example'],
    ['public-endpoint.yaml', 'rate-limits'],
  ] as const) {
    it(`${golden} holds the specs of crds/examples/${example}`, () => {
      const fromExample = resourcesFromYaml(join(examplesDir, example)).map((r) => [r.kind, r.metadata.name, r.spec]);
      const fromGolden = goldenCases()
        .find((c) => c.name === golden)
        ?.resources.map((r) => [r.kind, r.metadata.name, r.spec]);
      // The golden case may hold more (conflicts, invalid resources) around the example's.
      for (const r of fromExample) assert.ok(fromGolden?.some((g) => JSON.stringify(g) === JSON.stringify(r)), `${r[1]} of ${example} is not in the golden case`);
    });
  }
});
