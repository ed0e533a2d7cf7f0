// The sidecar injector against AdmissionReview v1 fixtures: the JSON patch it answers is applied
// with a real JSON-patch library (fast-json-patch) and the resulting pod is checked; a second
// review of the patched pod changes nothing; opt-outs, excluded namespaces and clashes are left
// alone (the clashes with a warning and an Event); malformed reviews get HTTP 400 saying why.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { decodeAdmissionReview } from '@jussi/operator/webhook/admission-review';
import { decide, type InjectionContext } from '@jussi/operator/webhook/decide';
import { EventRecorder } from '@jussi/operator/webhook/events';
import type { SidecarTemplate } from '@jussi/operator/webhook/sidecar-container';
import { MUTATE_PATH, webhookHandler } from '@jussi/operator/webhook/webhook-handler';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor } from '../../support/fake-kube/index.js';
import { repoRoot } from '../../support/repo.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURES = join(repoRoot, 'test', 'operator', 'webhook', 'fixtures');
const fixture = (name: string): Obj => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Obj;

const TEMPLATE: SidecarTemplate = {
  image: 'ghcr.io/jussi-io/jussi:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  port: 9000,
  adminPort: 9090,
  resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
  memoryCacheBytes: 33554432,
  operatorUrl: 'https://jussi-operator.jussi.svc:9444',
  audience: 'jussi-operator',
  tokenExpirationSeconds: 3600,
  fallbackConfigMap: 'jussi-proxy-config',
  runAsUser: 65532,
  env: [{ name: 'LOG_LEVEL', value: 'WARN' }],
};
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const CONTEXT: InjectionContext = { template: TEMPLATE, excludedNamespaces: new Set(['kube-system', 'jussi']), caPem: CA };

interface Answer {
  status: number;
  body: Obj;
}

function decodedPatch(answer: Obj): jsonpatch.Operation[] {
  const patch = answer['response']?.['patch'] as string | undefined;
  return patch === undefined ? [] : (JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as jsonpatch.Operation[]);
}

function applyTo(review: Obj, answer: Obj): Obj {
  return jsonpatch.applyPatch(structuredClone(review['request']['object']), decodedPatch(answer), true, false).newDocument as Obj;
}

function reviewOf(pod: Obj, namespace: string, overrides: Obj = {}): Obj {
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: `uid-${Math.random().toString(16).slice(2)}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      name: pod['metadata']?.['name'] ?? '', namespace, operation: 'CREATE', object: pod, dryRun: false, ...overrides,
    },
  };
}

describe('sidecar injector (AdmissionReview v1)', () => {
  let kube: FakeKube;
  let server: Server;
  let url: string;
  let events: EventRecorder;

  const post = async (body: string, contentType = 'application/json'): Promise<Answer> => {
    const res = await fetch(`${url}${MUTATE_PATH}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: res.status, body: (await res.json()) as Obj };
  };
  const review = async (r: Obj): Promise<Obj> => {
    const a = await post(JSON.stringify(r));
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body['apiVersion'], 'admission.k8s.io/v1');
    assert.equal(a.body['kind'], 'AdmissionReview');
    assert.equal(a.body['response']['uid'], r['request']['uid']);
    assert.equal(a.body['response']['allowed'], true);
    return a.body;
  };

  before(async () => {
    kube = await FakeKube.start();
    events = new EventRecorder({ kubeConfig: kube.kubeConfig('jussi'), instance: 'operator-0', logger: noopLogger });
    server = createServer(webhookHandler({ context: () => CONTEXT, events, logger: noopLogger }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await kube.close();
  });

  it('injects a native sidecar into a ReplicaSet pod, and the patched pod is what Kubernetes 1.29+ runs', async () => {
    const r = fixture('replicaset-pod.json');
    const answer = await review(r);
    assert.equal(answer['response']['patchType'], 'JSONPatch');
    const pod = applyTo(r, answer);
    const [sidecar, ...rest] = pod['spec']['initContainers'] as Obj[];
    assert.equal(rest.length, 0);
    assert.equal(sidecar?.['name'], 'jussi-proxy');
    assert.equal(sidecar?.['restartPolicy'], 'Always');
    assert.equal(sidecar?.['image'], TEMPLATE.image);
    const env = Object.fromEntries((sidecar?.['env'] as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env['JUSSI_SERVER_HOST'], '127.0.0.1');
    assert.equal(env['JUSSI_SERVER_PORT'], '9000');
    assert.equal(env['JUSSI_ADMIN_PORT'], '9090');
    assert.equal(env['JUSSI_SERVER_WORKERS'], '1');
    assert.equal(env['JUSSI_MEMORY_CACHE_MAX_BYTES'], '33554432');
    assert.equal(env['JUSSI_CONFIG_OPERATOR_URL'], TEMPLATE.operatorUrl);
    assert.equal(env['JUSSI_CONFIG_OPERATOR_CA'], CA);
    assert.equal(env['NODE_OPTIONS'], '--max-old-space-size=192');
    assert.equal(env['LOG_LEVEL'], 'WARN');
    assert.deepEqual(sidecar?.['startupProbe']['httpGet'], { path: '/health/ready', port: 9090 });
    assert.deepEqual(sidecar?.['livenessProbe']['httpGet'], { path: '/health/live', port: 9090 });
    const sc = sidecar?.['securityContext'] as Obj;
    assert.equal(sc['runAsNonRoot'], true);
    assert.equal(sc['readOnlyRootFilesystem'], true);
    assert.equal(sc['allowPrivilegeEscalation'], false);
    assert.deepEqual(sc['capabilities'], { drop: ['ALL'] });
    assert.deepEqual(sidecar?.['resources'], { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } });
    // The token is bound to the operator's audience; the ConfigMap fallback is optional.
    const volumes = Object.fromEntries((pod['spec']['volumes'] as Obj[]).map((v) => [v['name'], v]));
    assert.ok(volumes['kube-api-access-abcde'], 'existing volumes kept');
    assert.deepEqual(volumes['jussi-token']?.['projected']['sources'][0]['serviceAccountToken'], { audience: 'jussi-operator', expirationSeconds: 3600, path: 'token' });
    assert.deepEqual(volumes['jussi-config']?.['configMap'], { name: 'jussi-proxy-config', optional: true });
    const mounts = (sidecar?.['volumeMounts'] as Obj[]).map((m) => m['name'] as string);
    for (const m of mounts) assert.ok(volumes[m], `mount ${m} has a volume`);
    assert.equal(pod['metadata']['annotations']['jussi.io/sidecar-status'], 'injected');
    assert.equal(pod['metadata']['annotations']['kubectl.kubernetes.io/restartedAt'], '2026-11-20T10:00:00Z');
    assert.equal(pod['metadata']['labels']['jussi.io/sidecar'], 'injected');
    assert.equal(pod['metadata']['labels']['app'], 'wallet');
    assert.equal(pod['spec']['containers'].length, 1, 'the application container is untouched');
  });

  it('puts the sidecar first among existing init containers and creates missing metadata maps', async () => {
    const r = fixture('bare-pod-with-init.json');
    const pod = applyTo(r, await review(r));
    assert.deepEqual((pod['spec']['initContainers'] as Obj[]).map((c) => c['name']), ['jussi-proxy', 'migrate']);
    assert.deepEqual(pod['metadata']['labels'], { 'jussi.io/sidecar': 'injected' });
    assert.deepEqual(pod['metadata']['annotations'], { 'jussi.io/sidecar-status': 'injected' });
    assert.deepEqual((pod['spec']['volumes'] as Obj[]).map((v) => v['name']), ['jussi-token', 'jussi-config', 'jussi-tmp']);
  });

  it('is idempotent: a re-invoked webhook leaves an injected pod alone', async () => {
    const r = fixture('replicaset-pod.json');
    const once = applyTo(r, await review(r));
    const again = await review(reviewOf(once, 'apps'));
    assert.equal(again['response']['patch'], undefined);
    assert.equal(again['response']['warnings'], undefined);
  });

  it('leaves opted-out pods, excluded namespaces and non-creations alone, silently', async () => {
    const base = fixture('replicaset-pod.json')['request']['object'] as Obj;
    const optedOutLabel = structuredClone(base);
    optedOutLabel['metadata']['labels']['jussi.io/inject'] = 'disabled';
    const optedOutAnnotation = structuredClone(base);
    optedOutAnnotation['metadata']['annotations']['jussi.io/inject'] = 'disabled';
    const cases: Obj[] = [
      reviewOf(optedOutLabel, 'apps'),
      reviewOf(optedOutAnnotation, 'apps'),
      reviewOf(base, 'kube-system'),
      reviewOf(base, 'jussi'),
      reviewOf(base, 'apps', { operation: 'UPDATE' }),
      reviewOf(base, 'apps', { subResource: 'ephemeralcontainers' }),
      reviewOf({ metadata: { name: 'cm' }, data: {} }, 'apps', { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' } }),
    ];
    for (const c of cases) {
      const answer = await review(c);
      assert.equal(answer['response']['patch'], undefined, JSON.stringify(c['request']['namespace']));
      assert.equal(answer['response']['warnings'], undefined);
    }
  });

  it('admits a pod it cannot handle unchanged, with a warning and an Event about its controller', async () => {
    const base = fixture('replicaset-pod.json')['request']['object'] as Obj;
    const portClash = structuredClone(base);
    portClash['spec']['containers'][0]['ports'].push({ containerPort: 9000 });
    const adminClash = structuredClone(base);
    adminClash['spec']['containers'][0]['ports'] = [{ containerPort: 9090, name: 'metrics' }];
    const nameClash = structuredClone(base);
    nameClash['spec']['containers'].push({ name: 'jussi-proxy', image: 'mine' });
    const hostNetwork = structuredClone(base);
    hostNetwork['spec']['hostNetwork'] = true;
    const badAnnotation = structuredClone(base);
    badAnnotation['metadata']['annotations']['jussi.io/sidecar-memory-limit'] = 'lots';
    const cacheTooBig = structuredClone(base);
    cacheTooBig['metadata']['annotations']['jussi.io/sidecar-memory-cache-bytes'] = String(512 * 2 ** 20);
    const cases: [Obj, RegExp][] = [
      [portClash, /container app uses port 9000/],
      [adminClash, /container app uses port 9090/],
      [nameClash, /already has a container named jussi-proxy/],
      [hostNetwork, /host network/],
      [badAnnotation, /jussi.io\/sidecar-memory-limit="lots" is not a Kubernetes quantity/],
      [cacheTooBig, /does not fit in half the sidecar's memory limit/],
    ];
    for (const [pod, message] of cases) {
      const answer = await review(reviewOf(pod, 'apps'));
      assert.equal(answer['response']['patch'], undefined);
      const warnings = answer['response']['warnings'] as string[];
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', message);
      assert.match(warnings[0] ?? '', /^jussi sidecar not injected: /);
    }
    await events.flush();
    const recorded = kube.list('v1', 'Event', 'apps') as Obj[];
    assert.equal(recorded.length, cases.length);
    for (const e of recorded) {
      assert.equal(e['type'], 'Warning');
      assert.equal(e['reason'], 'SidecarNotInjected');
      assert.deepEqual({ kind: e['involvedObject']['kind'], name: e['involvedObject']['name'] }, { kind: 'ReplicaSet', name: 'wallet-7c9d8f6b5' });
      assert.equal(e['reportingComponent'], 'jussi-operator');
    }
    // The same problem on the next replica of the same ReplicaSet records no second Event.
    await review(reviewOf(portClash, 'apps'));
    await events.flush();
    assert.equal((kube.list('v1', 'Event', 'apps') as Obj[]).length, cases.length);
  });

  it('records no Event for a dry run', async () => {
    const pod = structuredClone(fixture('bare-pod-with-init.json')['request']['object'] as Obj);
    pod['spec']['hostNetwork'] = true;
    const answer = await review(reviewOf(pod, 'chain', { dryRun: true }));
    assert.match((answer['response']['warnings'] as string[])[0] ?? '', /host network/);
    await events.flush();
    assert.equal((kube.list('v1', 'Event', 'chain') as Obj[]).length, 0);
  });

  it('applies per-pod resource and cache overrides from annotations', () => {
    const pod = structuredClone(fixture('replicaset-pod.json')['request']['object'] as Obj);
    Object.assign(pod['metadata']['annotations'], {
      'jussi.io/sidecar-cpu-request': '200m', 'jussi.io/sidecar-cpu-limit': '1', 'jussi.io/sidecar-memory-request': '256Mi',
      'jussi.io/sidecar-memory-limit': '1Gi', 'jussi.io/sidecar-memory-cache-bytes': '268435456',
    });
    const decoded = decodeAdmissionReview(reviewOf(pod, 'apps'));
    assert.ok(decoded.ok);
    const d = decide(decoded.request, CONTEXT);
    assert.equal(d.action, 'inject');
    const patched = jsonpatch.applyPatch(structuredClone(pod), d.action === 'inject' ? [...d.patch] as jsonpatch.Operation[] : [], true, false).newDocument as Obj;
    const sidecar = patched['spec']['initContainers'][0] as Obj;
    assert.deepEqual(sidecar['resources'], { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    const env = Object.fromEntries((sidecar['env'] as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env['JUSSI_MEMORY_CACHE_MAX_BYTES'], '268435456');
    assert.equal(env['NODE_OPTIONS'], '--max-old-space-size=768');
  });

  it('answers a malformed AdmissionReview with HTTP 400 and a message saying what is wrong', async () => {
    const rows: [string, string, number, RegExp][] = [
      ['{not json', 'application/json', 400, /the body is not JSON/],
      ['[]', 'application/json', 400, /not a JSON object: expected an AdmissionReview/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }), 'application/json', 400, /expected apiVersion admission.k8s.io\/v1, got "admission.k8s.io\/v1beta1"/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }), 'application/json', 400, /expected kind AdmissionReview, got "Pod"/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 'application/json', 400, /has no request object/],
      [JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: {} } }), 'application/json', 400, /request has no uid/],
      ['{}', 'text/plain', 415, /expected Content-Type application\/json/],
    ];
    for (const [body, type, status, message] of rows) {
      const a = await post(body, type);
      assert.equal(a.status, status, body);
      assert.equal(a.body['kind'], 'Status');
      assert.match(String(a.body['message']), message);
    }
    const get = await fetch(`${url}${MUTATE_PATH}`);
    assert.equal(get.status, 405);
    const other = await fetch(`${url}/validate`, { method: 'POST' });
    assert.equal(other.status, 404);
  });

  it('answers a review whose pod has no spec with a warning, never a broken pod', async () => {
    const answer = await review(reviewOf({ metadata: { name: 'x' } }, 'apps'));
    assert.equal(answer['response']['patch'], undefined);
    assert.match((answer['response']['warnings'] as string[])[0] ?? '', /no pod spec/);
    await waitFor(async () => {
      await events.flush();
      return true;
    }, 'events settle');
  });
});
