// Every environment variable a user is told about is one a program reads. The CRD descriptions
// (what `kubectl explain` prints), the chart's README, the comments of values.yaml and NOTES.txt
// name variables; each name must be read by the proxy's settings reader
// (proxy/src/config/env.ts) or the operator's (operator/src/settings.ts), or be one of the few
// read by someone else, listed below with who reads it. A renamed or misspelt variable fails here
// (the pool description once named JUSSI_UPSTREAM_HTTP_CONNECTIONS; the proxy reads
// JUSSI_HTTP_POOL_CONNECTIONS).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readSettings } from '@jussi/proxy/config/env';
import { readOperatorSettings } from '@jussi/operator/settings';
import { type SchemaNode, loadCrds, storageSchema } from '../crds/support/crd-files.js';
import { repoRoot } from '../support/repo.js';
import { chartDir } from './support/helm.js';
import { readmePath, valuesPath } from './support/values-doc.js';

/** Variables read by something other than our two settings readers, and the file that reads each. */
const READ_ELSEWHERE: Readonly<Record<string, { readonly by: string; readonly file: string | null }>> = {
  NODE_OPTIONS: { by: 'Node.js itself', file: null },
  OTEL_TRACES_SAMPLER: { by: 'the OpenTelemetry SDK in the proxy', file: 'node_modules/@opentelemetry/sdk-trace-base/build/src/config.js' },
  OTEL_TRACES_SAMPLER_ARG: { by: 'the OpenTelemetry SDK in the proxy', file: 'node_modules/@opentelemetry/sdk-trace-base/build/src/config.js' },
  E2E_KIND: { by: 'the kind end-to-end harness', file: 'scripts/e2e.mjs' },
  UPDATE_GOLDEN: { by: 'the golden-file tests', file: 'test/helm/golden.test.ts' },
  // The example application's own setting in the README's sidecar snippet, not ours.
  STEEM_API: { by: "the sidecar example's application", file: null },
};

/** Every variable name a settings reader looks up (it is handed an environment that records reads). */
function variablesRead(): Set<string> {
  const read = new Set<string>();
  const recorder = new Proxy<Record<string, string | undefined>>({}, {
    get: (_t, key) => {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  readSettings(recorder);
  readOperatorSettings(recorder, 'host');
  return read;
}

const ENV_NAME = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

function names(text: string): string[] {
  return [...new Set(text.match(ENV_NAME) ?? [])].sort();
}

function descriptions(node: SchemaNode): string[] {
  return [
    ...(typeof node.description === 'string' ? [node.description] : []),
    ...Object.values(node.properties ?? {}).flatMap(descriptions),
    ...(node.items === undefined ? [] : descriptions(node.items)),
    ...(typeof node.additionalProperties === 'object' ? descriptions(node.additionalProperties) : []),
  ];
}

/** The comment text of values.yaml (keys are camelCase; variables appear in comments). */
function valuesComments(): string {
  return readFileSync(valuesPath, 'utf8').split('\n').map((l) => /#(.*)$/.exec(l)?.[1] ?? '').join('\n');
}

const sources: readonly { readonly what: string; readonly text: () => string }[] = [
  {
    what: 'CRD descriptions (kubectl explain)',
    text: () => loadCrds().flatMap((c) => [...descriptions(storageSchema(c)), ...(c.spec.versions.flatMap((v) => v.additionalPrinterColumns ?? []).map((p) => p.description ?? ''))]).join('\n'),
  },
  { what: 'charts/jussi/README.md', text: () => readFileSync(readmePath, 'utf8') },
  { what: 'values.yaml comments', text: valuesComments },
  { what: 'NOTES.txt', text: () => readFileSync(join(chartDir, 'templates', 'NOTES.txt'), 'utf8') },
];

describe('environment variables named in the docs', () => {
  const read = variablesRead();

  it('the settings readers are seen reading (the recorder works)', () => {
    for (const name of ['JUSSI_HTTP_POOL_CONNECTIONS', 'JUSSI_WEBSOCKET_POOL_MINSIZE', 'OPERATOR_STATUS_POLL_INTERVAL', 'LOG_LEVEL']) assert.ok(read.has(name), name);
  });

  it('every variable read elsewhere is really read there', () => {
    for (const [name, { file }] of Object.entries(READ_ELSEWHERE)) {
      if (file !== null) assert.ok(readFileSync(join(repoRoot, file), 'utf8').includes(name), `${file} does not mention ${name}`);
    }
  });

  for (const source of sources) {
    it(`${source.what}: every variable named is one a program reads`, () => {
      const found = names(source.text());
      assert.deepEqual(found.filter((n) => !read.has(n) && READ_ELSEWHERE[n] === undefined), [], `${source.what} names variables nothing reads`);
    });
  }

  it('the JsonRpcUpstream pool description names the proxy defaults it stands for', () => {
    const upstream = loadCrds().find((c) => c.spec.names.kind === 'JsonRpcUpstream');
    const pool = upstream === undefined ? undefined : storageSchema(upstream).properties?.['spec']?.properties?.['pool'];
    assert.deepEqual(names(pool?.description ?? ''), ['JUSSI_HTTP_POOL_CONNECTIONS', 'JUSSI_WEBSOCKET_POOL_MAXSIZE', 'JUSSI_WEBSOCKET_POOL_MINSIZE']);
  });
});
