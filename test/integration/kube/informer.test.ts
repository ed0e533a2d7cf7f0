// ResilientInformer against the fake API server: events flow, and it recovers from every fault
// client-node 1.4.0's own informer does not survive.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { isConfigMap, type NamedObject } from '@jussi/proxy/kube/objects';
import { ResilientInformer, type InformerError, type InformerEvent, type InformerTuning } from '@jussi/proxy/kube/resilient-informer';
import { FakeKube, pause, waitFor } from '../../support/fake-kube/index.js';

type ConfigMap = V1ConfigMap & NamedObject;

const FAST: Partial<InformerTuning> = {
  silenceTimeoutMs: 0,
  relistIntervalMs: 0,
  backoffMinMs: 50,
  backoffMaxMs: 400,
  watchTimeoutSeconds: 0,
};

function cm(namespace: string, name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

interface Harness {
  kube: FakeKube;
  informer: ResilientInformer<ConfigMap>;
  events: InformerEvent<ConfigMap>[];
  errors: InformerError[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function harness(namespace: string, opts: { tuning?: Partial<InformerTuning>; labelSelector?: string; fieldSelector?: string; fake?: Parameters<typeof FakeKube.start>[0] } = {}): Promise<Harness> {
  const kube = await FakeKube.start({ bookmarkIntervalMs: 200, ...opts.fake });
  const informer = new ResilientInformer<ConfigMap>({
    kubeConfig: kube.kubeConfig(),
    resource: { group: '', version: 'v1', plural: 'configmaps', namespace },
    accept: isConfigMap,
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    tuning: { ...FAST, ...opts.tuning },
  });
  const events: InformerEvent<ConfigMap>[] = [];
  const errors: InformerError[] = [];
  informer.onChange((e) => events.push(e));
  informer.onError((e) => errors.push(e));
  cleanups.push(async () => {
    await informer.stop();
    await kube.close();
  });
  return { kube, informer, events, errors };
}

function names(informer: ResilientInformer<ConfigMap>): string[] {
  return informer.list().map((o) => o.metadata.name).sort();
}

function sawData(h: Harness, name: string, key: string, value: string): boolean {
  return h.informer.get(name, h.informer.list()[0]?.metadata.namespace)?.data?.[key] === value;
}

async function watchOpen(h: Harness): Promise<void> {
  await waitFor(() => h.kube.openWatches({ path: '/configmaps' }).length === 1, 'one open watch');
}

describe('ResilientInformer', () => {
  it('lists, syncs and delivers add, update and delete events with typed objects', async () => {
    const h = await harness('inf-a');
    h.kube.put(cm('inf-a', 'one', { k: '1' }));
    h.kube.put(cm('inf-other', 'elsewhere'));
    await h.informer.start();
    assert.equal(await h.informer.waitForSync(10_000), true);
    assert.equal(h.informer.hasSynced(), true);
    assert.deepEqual(names(h.informer), ['one']);
    const listed = h.informer.get('one', 'inf-a');
    assert.equal(listed?.kind, 'ConfigMap', 'kind filled in from the list');
    assert.equal(listed?.apiVersion, 'v1');

    h.kube.put(cm('inf-a', 'two'));
    h.kube.put(cm('inf-a', 'one', { k: '2' }));
    h.kube.remove('v1', 'ConfigMap', 'inf-a', 'two');
    await waitFor(() => h.events.length >= 4, 'four events');
    assert.deepEqual(h.events.map((e) => [e.type, e.object.metadata.name]), [['add', 'one'], ['add', 'two'], ['update', 'one'], ['delete', 'two']]);
    assert.equal(h.informer.get('one', 'inf-a')?.data?.['k'], '2');
    const [watch] = h.kube.requests({ verb: 'watch' });
    assert.equal(watch?.query['allowWatchBookmarks'], 'true', 'asks for bookmarks');
    await waitFor(() => h.informer.stats().lastEventAt !== null, 'a bookmark counted as activity');
  });

  it('applies the same label and field selectors to the list as to the watch', async () => {
    const h = await harness('inf-sel', { labelSelector: 'app=jussi', fieldSelector: 'metadata.name!=skip' });
    h.kube.put(cm('inf-sel', 'in', {}, { app: 'jussi' }));
    h.kube.put(cm('inf-sel', 'out', {}, { app: 'other' }));
    h.kube.put(cm('inf-sel', 'skip', {}, { app: 'jussi' }));
    await h.informer.start();
    assert.deepEqual(names(h.informer), ['in']);
    const [list] = h.kube.requests({ verb: 'list' });
    assert.equal(list?.query['labelSelector'], 'app=jussi');
    assert.equal(list?.query['fieldSelector'], 'metadata.name!=skip');
    h.kube.put(cm('inf-sel', 'out', {}, { app: 'jussi' }));
    await waitFor(() => names(h.informer).includes('out'), 'an object entering the selection');
    h.kube.put(cm('inf-sel', 'in', {}, { app: 'gone' }));
    await waitFor(() => !names(h.informer).includes('in'), 'an object leaving the selection');
  });

  it('recovers from repeatedly dropped watch connections and sees later changes', async () => {
    const h = await harness('inf-drop');
    h.kube.put(cm('inf-drop', 'x', { v: '0' }));
    await h.informer.start();
    for (let i = 1; i <= 4; i++) {
      await watchOpen(h);
      assert.equal(h.kube.dropWatches(), 1);
      h.kube.put(cm('inf-drop', 'x', { v: String(i) }));
      await waitFor(() => sawData(h, 'x', 'v', String(i)), `change ${i} after drop ${i}`);
    }
    const stats = h.informer.stats();
    assert.ok(stats.errors >= 4, `errors counted: ${stats.errors}`);
    assert.ok(stats.connects >= 5, `reconnected: ${stats.connects}`);
    assert.ok(h.errors.every((e) => e.phase === 'watch' && e.retryInMs !== null));
  });

  it('relists after 410 Gone, both as an ERROR event and as an HTTP status', async () => {
    const h = await harness('inf-410');
    h.kube.put(cm('inf-410', 'a'));
    await h.informer.start();
    await watchOpen(h);
    h.kube.compactHistory();
    h.kube.expireWatches();
    await waitFor(() => h.informer.stats().relists >= 1, 'relist after ERROR 410');
    h.kube.put(cm('inf-410', 'b'));
    await waitFor(() => names(h.informer).includes('b'), 'events after the relist');

    await watchOpen(h);
    h.kube.failNext({ verb: 'watch', status: 410 });
    h.kube.endWatches();
    await waitFor(() => h.informer.stats().relists >= 2, 'relist after HTTP 410');
    h.kube.put(cm('inf-410', 'c'));
    await waitFor(() => names(h.informer).includes('c'), 'events after the second relist');
    assert.equal(h.informer.stats().errors, 0, '410 is not an error');
  });

  it('restarts a stalled watch through the silence watchdog', async () => {
    const h = await harness('inf-stall', { tuning: { silenceTimeoutMs: 1_500 } });
    await h.informer.start();
    await watchOpen(h);
    assert.equal(h.kube.stallWatches(), 1);
    h.kube.put(cm('inf-stall', 'late', { v: '1' }));
    await waitFor(() => names(h.informer).includes('late'), 'the change made while the watch was stalled');
    assert.ok(h.informer.stats().watchdogRestarts >= 1);
    assert.equal(h.informer.stats().errors, 0);
  });

  it('while the server does not answer, probes it at a short fixed period (reported once) and relists as soon as it answers', async () => {
    // A slow backoff, to show it is not what paces recovery from an outage.
    const h = await harness('inf-down', { tuning: { backoffMinMs: 1000, backoffMaxMs: 30_000, probeIntervalMs: 100 } });
    h.kube.put(cm('inf-down', 'a', { v: '1' }));
    await h.informer.start();
    await watchOpen(h);
    await h.kube.goDown();
    // With a backoff growing from 1 s, twenty attempts would take minutes.
    await waitFor(() => h.informer.stats().probes >= 20, 'twenty probes while down', 20_000);
    assert.equal(h.informer.stats().unreachable, true);
    assert.equal(h.errors.length, 1, 'the outage is reported once, not on every probe');
    assert.ok((h.errors[0]?.retryInMs ?? Infinity) <= 100);
    // Changes made while the server was away reach the informer once it is back.
    h.kube.put(cm('inf-down', 'a', { v: '2' }));
    h.kube.put(cm('inf-down', 'b'));
    const probesWhenBack = h.informer.stats().probes;
    await h.kube.comeUp();
    await waitFor(() => sawData(h, 'a', 'v', '2') && names(h.informer).includes('b'), 'changes after the server came back');
    assert.ok(h.informer.stats().probes - probesWhenBack <= 2, `relisted at the first probe answered (${h.informer.stats().probes - probesWhenBack} probes after the server came back)`);
    assert.equal(h.informer.stats().unreachable, false);
    assert.ok(h.kube.requests({ path: '/version' }).length >= 1, 'the probe is GET /version');
  });

  it('backs off exponentially while the server answers with errors (5xx)', async () => {
    const h = await harness('inf-5xx', { tuning: { backoffMinMs: 40, backoffMaxMs: 400 } });
    h.kube.failNext({ verb: 'list', status: 503, count: 4 });
    await h.informer.start();
    await waitFor(() => h.informer.hasSynced(), 'synced after the errors');
    const delays = h.errors.map((e) => e.retryInMs ?? 0);
    assert.equal(delays.length, 4);
    // Jittered within [step/2, step]: 40, 80, 160, 320.
    for (const [i, step] of [40, 80, 160, 320].entries()) assert.ok((delays[i] ?? 0) >= step / 2 && (delays[i] ?? 0) <= step, `delay ${i + 1}: ${delays[i]}`);
  });

  it('relists periodically, which removes objects whose deletion was missed', async () => {
    const h = await harness('inf-relist', { tuning: { relistIntervalMs: 400 } });
    h.kube.put(cm('inf-relist', 'stays'));
    h.kube.put(cm('inf-relist', 'vanishes'));
    await h.informer.start();
    await watchOpen(h);
    h.kube.stallWatches();
    h.kube.remove('v1', 'ConfigMap', 'inf-relist', 'vanishes');
    await waitFor(() => h.events.some((e) => e.type === 'delete' && e.object.metadata.name === 'vanishes'), 'delete from the relist');
    assert.deepEqual(names(h.informer), ['stays']);
    assert.ok(h.informer.stats().relists >= 1);
    assert.equal(h.informer.stats().watchdogRestarts, 0);
  });

  it('renews a cleanly ended watch without an error', async () => {
    const h = await harness('inf-end');
    await h.informer.start();
    await watchOpen(h);
    h.kube.endWatches();
    h.kube.put(cm('inf-end', 'after'));
    await waitFor(() => names(h.informer).includes('after'), 'events after the renewed watch');
    assert.equal(h.informer.stats().errors, 0);
  });

  it('retries a failed first list, honouring Retry-After, and reports it', async () => {
    const h = await harness('inf-list');
    h.kube.put(cm('inf-list', 'a'));
    h.kube.failNext({ verb: 'list', status: 429, retryAfterSeconds: 1 });
    h.kube.failNext({ verb: 'list', status: 500 });
    await h.informer.start();
    assert.equal(h.informer.hasSynced(), false);
    assert.equal(await h.informer.waitForSync(15_000), true);
    assert.deepEqual(names(h.informer), ['a']);
    assert.deepEqual(h.errors.map((e) => [e.phase, e.error.status]), [['list', 429], ['list', 500]]);
    assert.ok((h.errors[0]?.retryInMs ?? 0) >= 1_000, 'Retry-After honoured');
  });

  it('survives a listener that throws', async () => {
    const h = await harness('inf-throw');
    h.informer.onChange(() => {
      throw new Error('listener bug');
    });
    await h.informer.start();
    h.kube.put(cm('inf-throw', 'a'));
    h.kube.put(cm('inf-throw', 'b'));
    await waitFor(() => names(h.informer).length === 2, 'both objects');
    assert.ok(h.errors.some((e) => e.phase === 'listener' && e.error.message.includes('listener bug')));
  });

  it('stops: closes its watch and delivers nothing more', async () => {
    const h = await harness('inf-stop');
    await h.informer.start();
    await watchOpen(h);
    await h.informer.stop();
    await waitFor(() => h.kube.openWatches().length === 0, 'watch closed');
    h.kube.put(cm('inf-stop', 'ignored'));
    await pause(300);
    assert.equal(h.events.length, 0);
    assert.equal(h.informer.stats().running, false);
  });
});
