// The chart's CRDs are exactly crds/*.yaml: same files, each template generated from its source
// by chartCrdTemplate, and what helm renders equals the source object plus the keep annotation.
// A CRD edited in crds/ without regenerating the chart fails here; UPDATE_GOLDEN=1 regenerates.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { chartCrdTemplate, crdSourceDir, crdTemplateDir, KEEP_ANNOTATION, listYaml, readSourceCrd } from './support/crd-template.js';
import { helm, parseObjects, renderObjects, type K8sObject } from './support/helm.js';

const update = process.env['UPDATE_GOLDEN'] === '1';

function sourceCrds(): K8sObject[] {
  const out: K8sObject[] = [];
  for (const file of listYaml(crdSourceDir)) {
    for (const doc of YAML.parseAllDocuments(readSourceCrd(file))) {
      const value = doc.toJS() as K8sObject | null;
      if (value !== null) out.push(value);
    }
  }
  return out;
}

function withoutKeep(crd: K8sObject): K8sObject {
  const annotations = { ...(crd.metadata.annotations ?? {}) };
  delete annotations[KEEP_ANNOTATION];
  const metadata = { ...crd.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete (metadata as { annotations?: unknown }).annotations;
  return { ...crd, metadata };
}

describe('chart CRDs = crds/*.yaml', () => {
  if (update) {
    it('regenerates charts/jussi/templates/crds from crds/ (UPDATE_GOLDEN=1)', () => {
      mkdirSync(crdTemplateDir, { recursive: true });
      const sources = listYaml(crdSourceDir);
      for (const stale of listYaml(crdTemplateDir).filter((f) => !sources.includes(f))) rmSync(join(crdTemplateDir, stale));
      for (const file of sources) {
        const t = chartCrdTemplate(readSourceCrd(file), file);
        assert.ok(t.ok, t.ok ? '' : t.message);
        writeFileSync(join(crdTemplateDir, file), t.text);
      }
      assert.deepEqual(listYaml(crdTemplateDir), sources);
    });
  }

  it('has one template per CRD file, named like it', () => {
    const sources = listYaml(crdSourceDir);
    assert.ok(sources.length > 0, 'crds/ holds no CRD: the chart would ship none');
    assert.deepEqual(listYaml(crdTemplateDir), sources,
      'charts/jussi/templates/crds differs from crds/: run UPDATE_GOLDEN=1 npm run t -- test/helm/crds-sync.test.ts');
  });

  it('each template is the generated wrapping of its source, byte for byte', () => {
    for (const file of listYaml(crdSourceDir)) {
      const t = chartCrdTemplate(readSourceCrd(file), file);
      assert.ok(t.ok, t.ok ? '' : t.message);
      assert.equal(readFileSync(join(crdTemplateDir, file), 'utf8'), t.text,
        `templates/crds/${file} drifted from crds/${file}: run UPDATE_GOLDEN=1 npm run t -- test/helm/crds-sync.test.ts`);
    }
  });

  it('renders every source CRD unchanged, plus helm.sh/resource-policy: keep by default', () => {
    const rendered = renderObjects().filter((o) => o.kind === 'CustomResourceDefinition');
    const sources = sourceCrds();
    assert.equal(rendered.length, sources.length);
    for (const source of sources) {
      const crd = rendered.find((o) => o.metadata.name === source.metadata.name);
      assert.ok(crd, `CRD ${source.metadata.name} not rendered`);
      assert.equal(crd.metadata.annotations?.[KEEP_ANNOTATION], 'keep');
      assert.deepEqual(withoutKeep(crd), source);
    }
  });

  it('crds.keep=false renders the sources exactly; crds.enabled=false renders none', () => {
    const noKeep = renderObjects({ set: { 'crds.keep': false } }).filter((o) => o.kind === 'CustomResourceDefinition');
    assert.deepEqual(noKeep, sourceCrds());
    const none = renderObjects({ set: { 'crds.enabled': false } }).filter((o) => o.kind === 'CustomResourceDefinition');
    assert.deepEqual(none, []);
  });

  it('wraps a CRD that already has annotations, and a literal {{ in its text (rendered by helm)', () => {
    const source = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: things.example.io',
      '  annotations:',
      '    controller-gen.kubebuilder.io/version: v0.16.0',
      'spec:',
      '  description: "use {{ braces }} literally"',
      '',
    ].join('\n');
    const t = chartCrdTemplate(source, 'things.yaml');
    assert.ok(t.ok);
    const dir = mkdtempSync(join(tmpdir(), 'jussi-crd-chart-'));
    try {
      mkdirSync(join(dir, 'templates'));
      writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: crdwrap\nversion: 0.0.1\n');
      writeFileSync(join(dir, 'values.yaml'), 'crds:\n  enabled: true\n  keep: true\n');
      writeFileSync(join(dir, 'templates', 'things.yaml'), t.text);
      const r = helm(['template', 'x', dir]);
      assert.equal(r.status, 0, r.stderr);
      const [crd] = parseObjects(r.stdout);
      assert.deepEqual(crd?.metadata.annotations, { 'controller-gen.kubebuilder.io/version': 'v0.16.0', [KEEP_ANNOTATION]: 'keep' });
      assert.deepEqual(crd?.['spec'], { description: 'use {{ braces }} literally' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(chartCrdTemplate('metadata: {name: x}\n', 'flow.yaml').ok, false);
    assert.equal(chartCrdTemplate('metadata:\n  annotations: {a: b}\n', 'flow.yaml').ok, false);
  });
});
