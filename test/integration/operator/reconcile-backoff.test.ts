// Reconcile failures back off per item, against the fake API server answering 403: a status
// PATCH of one resource, or the ConfigMap publication. Each failed attempt is counted in
// controller_runtime_reconcile_errors_total, the failure is logged once (not on every try),
// attempts space out (100 ms doubling; the jitter keeps each wait within [step/2, step]), the
// other resources are not held back, and the item recovers when the API allows it. Gaps are
// asserted as lower bounds only (a loaded machine makes them longer, never shorter); waits are
// for observable requests. And with the API server unreachable, the leader election says it
// cannot acquire the Lease, rather than that another replica leads.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Controller } from '@jussi/operator/controller/controller';
import { readOperatorSettings } from '@jussi/operator/settings';
import { FakeKube, waitFor, type RequestRecord } from '../../support/fake-kube/index.js';
import { memoryLogger, type MemoryLogger } from '../../support/memory-logger.js';

const NS = 'jussi';
const APPS = 'apps';
const GV = 'jussi.io/v1alpha1';
/** 100 ms doubling; with jitter each wait is at least half its step. */
const MIN_GAPS = [50, 100, 200, 400];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(kube: FakeKube, logger: MemoryLogger): Promise<Controller> {
  const settings = readOperatorSettings({ POD_NAME: 'operator-1', POD_NAMESPACE: NS, OPERATOR_CONFIGMAP: `${NS}/jussi-proxy-config`, OPERATOR_METRICS_PORT: '0' }, 'operator-1');
  if (!settings.ok) throw new Error(JSON.stringify(settings.errors));
  const controller = new Controller({ kubeConfig: kube.kubeConfig(NS), settings: settings.settings, logger });
  cleanups.push(() => controller.stop());
  await controller.start();
  return controller;
}

async function reconcileErrors(controller: Controller): Promise<number> {
  const metric = await controller.metrics.registry.getSingleMetric('controller_runtime_reconcile_errors_total')?.get();
  return metric?.values.reduce((n, v) => n + v.value, 0) ?? 0;
}

function assertBackedOff(attempts: readonly RequestRecord[]): void {
  const gaps = attempts.slice(1).map((r, i) => r.at - (attempts[i]?.at ?? 0));
  for (const [i, min] of MIN_GAPS.entries()) {
    assert.ok((gaps[i] ?? 0) >= min - 5, `retry ${i + 1} came ${gaps[i]} ms after the previous one; the backoff allows no less than ${min} ms (gaps ${gaps.join(', ')})`);
  }
}

function seed(kube: FakeKube): void {
  kube.put({ apiVersion: GV, kind: 'JsonRpcUpstream', metadata: { name: 'chain', namespace: APPS }, spec: { namespace: 'chain', routes: [{ prefix: 'chain', url: 'http://127.0.0.1:9/' }] } });
  for (const name of ['denied', 'fine']) {
    kube.put({ apiVersion: GV, kind: 'CacheRule', metadata: { name, namespace: APPS }, spec: { rules: [{ prefix: `chain.${name}`, policy: 'NoCache' }] } });
  }
}

describe('reconcile failures back off; the operator logs what is true', () => {
  it('a status PATCH refused for one resource: retried with backoff, counted, logged once; the others are written; it recovers', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    seed(kube);
    const path = `/namespaces/${APPS}/cacherules/denied/status`;
    kube.failNext({ verb: 'patch', path, status: 403, count: 1_000_000, message: 'cacherules.jussi.io "denied" is forbidden: User "system:serviceaccount:jussi:operator" cannot patch resource "cacherules/status"' });
    const logger = memoryLogger();
    const controller = await start(kube, logger);
    const attempts = (): RequestRecord[] => kube.requests({ verb: 'patch', path });
    await waitFor(() => attempts().length >= MIN_GAPS.length + 2, 'six attempts', 60_000);
    assertBackedOff(attempts());
    // Each attempt is counted once its answer is in: the count catches up, and never runs ahead.
    const seen = attempts().length;
    const errors = await waitFor(async () => {
      const n = await reconcileErrors(controller);
      return n >= seen ? n : undefined;
    }, 'every failed attempt counted', 10_000);
    assert.ok(errors <= attempts().length, `controller_runtime_reconcile_errors_total ${errors} for ${attempts().length} failed attempts`);
    const failedLines = logger.matching('writing status failed');
    assert.equal(failedLines.length, 1, 'logged once, not on every attempt');
    assert.equal(failedLines[0]?.fields['resource'], `cacherules/${APPS}/denied`);
    for (const [kind, name] of [['CacheRule', 'fine'], ['JsonRpcUpstream', 'chain']] as const) {
      assert.ok(kube.get(GV, kind, APPS, name)?.['status'] !== undefined, `${kind} ${name} was not held back`);
    }

    kube.faults.clear();
    await waitFor(() => kube.get(GV, 'CacheRule', APPS, 'denied')?.['status'] !== undefined, 'written once allowed', 60_000);
    await waitFor(() => logger.matching('status written after failed attempts').length === 1, 'the recovery logged', 10_000);
    assert.equal(logger.matching('writing status failed').length, 1);
  });

  it('the ConfigMap publication refused: retried with backoff, counted, logged once; published when allowed', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    seed(kube);
    const path = `/api/v1/namespaces/${NS}/configmaps/jussi-proxy-config`;
    kube.failNext({ verb: 'patch', path, status: 403, count: 1_000_000, message: 'configmaps "jussi-proxy-config" is forbidden' });
    const logger = memoryLogger();
    const controller = await start(kube, logger);
    const attempts = (): RequestRecord[] => kube.requests({ verb: 'patch', path });
    await waitFor(() => attempts().length >= MIN_GAPS.length + 2, 'six attempts', 60_000);
    assertBackedOff(attempts());
    const seen = attempts().length;
    await waitFor(async () => (await reconcileErrors(controller)) >= seen, 'every failed attempt counted', 10_000);
    assert.equal(logger.matching('publishing the proxy config failed').length, 1, 'logged once, not on every attempt');

    kube.faults.clear();
    await waitFor(() => kube.get('v1', 'ConfigMap', NS, 'jussi-proxy-config'), 'published once allowed', 60_000);
    await waitFor(() => logger.matching('published the proxy config after failed attempts').length === 1, 'the recovery logged', 10_000);
  });

  it('an operator that cannot reach the API server says it cannot acquire the Lease (and why), not that another replica leads', async () => {
    const kube = await FakeKube.start();
    cleanups.push(() => kube.close());
    await kube.goDown();
    const logger = memoryLogger();
    await start(kube, logger);
    const line = await waitFor(() => logger.matching('cannot acquire the Lease')[0], 'the election failure logged', 30_000);
    assert.equal(line.level, 'warn');
    assert.match(String(line.fields['reason']), /ECONNREFUSED|connect|socket/i);
    assert.deepEqual(logger.lines.filter((l) => /standing by|another replica/.test(l.message)), []);
    await kube.comeUp();
    await waitFor(() => logger.matching('leading: publishing config').length === 1, 'leading once the API answers', 30_000);
    assert.equal(logger.matching('cannot acquire the Lease').length, 1, 'the failure was logged once');
  });
});
