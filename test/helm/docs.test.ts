// What the chart tells people: NOTES.txt (rendered by a client-side dry-run install) and the
// README's native-sidecar snippet, whose proxy env must be accepted by the proxy itself.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { readSettings } from '@jussi/proxy/config/env';
import { chartDir, helm, NAMESPACE, parseObjects, SERVICE_MONITOR_API } from './support/helm.js';
import { asArray, asRecord, at } from './support/objects.js';
import { readmePath } from './support/values-doc.js';

function notes(extra: readonly string[]): string {
  const r = helm(['install', 'jussi', chartDir, '--namespace', NAMESPACE, '--dry-run=client', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  const at = r.stdout.indexOf('NOTES:');
  assert.notEqual(at, -1, 'no NOTES in the dry-run output');
  return r.stdout.slice(at);
}

/**
 * NOTES.txt rendered by `helm template`, which (unlike install) takes --api-versions: a copy of
 * the chart carries the notes as a YAML document, each line indented into a block scalar.
 */
function notesViaTemplate(extra: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'jussi-notes-'));
  try {
    const copy = join(dir, 'jussi');
    cpSync(chartDir, copy, { recursive: true });
    const source = readFileSync(join(copy, 'templates', 'NOTES.txt'), 'utf8');
    renameSync(join(copy, 'templates', 'NOTES.txt'), join(dir, 'NOTES.txt.orig'));
    const body = source.split('\n').map((line) => `  ${line}`).join('\n');
    writeFileSync(join(copy, 'templates', 'zz-notes.yaml'), `apiVersion: test/v1\nkind: Notes\nmetadata:\n  name: notes\ntext: |\n${body}\n`);
    const r = helm(['template', 'jussi', copy, '--namespace', NAMESPACE, '--show-only', 'templates/zz-notes.yaml', ...extra]);
    assert.equal(r.status, 0, r.stderr);
    const [doc] = parseObjects(r.stdout);
    return `NOTES:\n${String(doc?.['text'])}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('NOTES.txt', () => {
  it('renders the same through template as through a dry-run install', () => {
    assert.equal(notesViaTemplate([]).trim(), notes([]).trim());
  });

  it('says how to see the resources, wait for Programmed, reach the Service, and test', () => {
    const text = notes([]);
    assert.match(text, /kubectl get jsonrpcupstreams,cacherules -A/);
    assert.match(text, /kubectl wait --for=condition=Programmed jsonrpcupstreams/);
    assert.match(text, /http:\/\/jussi-proxy\.jussi-system\.svc:9000\//);
    assert.match(text, /helm test jussi -n jussi-system/);
    assert.match(text, /No ServiceMonitor was created/);
    assert.match(text, /Cache: memory only/);
  });

  it('reports the ServiceMonitors and the release-label caveat (gone once the label is set)', () => {
    const on = notesViaTemplate(['--api-versions', SERVICE_MONITOR_API, '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'redis.enabled=true']);
    assert.match(on, /ServiceMonitors were created/);
    assert.match(on, /release: <its release name>/);
    assert.match(on, /Cache: memory plus the bundled Redis/);
    const labelled = notesViaTemplate(['--api-versions', SERVICE_MONITOR_API, '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.additionalLabels.release=kps']);
    assert.doesNotMatch(labelled, /release: <its release name>/);
  });
});

describe('README sidecar snippet', () => {
  it('is a pod spec whose native sidecar reads the mounted config file and needs no API access', () => {
    const readme = readFileSync(readmePath, 'utf8');
    const section = readme.slice(readme.indexOf('## Sidecar'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, 'no yaml block under ## Sidecar');
    const spec = asRecord(at(YAML.parse(block), 'spec'));
    assert.equal(spec['automountServiceAccountToken'], false);
    const sidecar = asRecord(asArray(spec['initContainers'])[0]);
    assert.equal(sidecar['restartPolicy'], 'Always');
    assert.ok(sidecar['startupProbe'], 'the application must wait for the proxy to be ready');
    const env = Object.fromEntries(asArray(sidecar['env']).map((e) => [String(asRecord(e)['name']), String(asRecord(e)['value'])]));
    const result = readSettings(env);
    assert.ok(result.ok, JSON.stringify(result.ok ? '' : result.errors));
    assert.equal(result.settings.source.configFile, '/etc/jussi/config.json');
    assert.equal(result.settings.source.configMap, null);
    assert.equal(result.settings.server.host, '127.0.0.1');
    const mount = asArray(sidecar['volumeMounts']).map(asRecord).find((m) => m['name'] === 'jussi-config');
    assert.equal(mount?.['mountPath'], '/etc/jussi');
    assert.equal(mount?.['subPath'], undefined, 'subPath mounts never update');
    assert.equal(at(sidecar, 'securityContext', 'readOnlyRootFilesystem'), true);
  });
});
