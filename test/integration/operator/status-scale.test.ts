// Status at scale, against the fake API server with two real proxies: 1,000 CacheRules created
// at once settle (every one Programmed 2/2 at its generation) with the default API rate, and a
// resource edited during the settle is written ahead of the bulk. Timings are measured and
// printed, never asserted (the machine is shared); what is asserted is that it settles, the
// order of the writes, how many writes each resource took, and that nothing is written once
// nothing changes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@jussi/operator/controller/controller';
import { readOperatorSettings } from '@jussi/operator/settings';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor, type JsonObject, type RequestRecord } from '../../support/fake-kube/index.js';
import { freePort, startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { spawnProxy, type ChildProxy } from '../../support/proxy.js';

const NS = 'jussi';
const APPS = 'apps';
const GV = 'jussi.io/v1alpha1';
const COUNT = 1000;
const PROXY_LABELS = { 'app.kubernetes.io/name': 'jussi', 'app.kubernetes.io/component': 'proxy' };

interface Resource {
  metadata: { name: string; generation?: number };
  status?: { observedGeneration?: number; programmedProxies?: string; conditions?: { type: string; status: string; observedGeneration?: number }[] };
}

const ruleName = (i: number): string => `rule-${String(i).padStart(4, '0')}`;

function isProgrammed(r: Resource | undefined, proxies = '2/2'): boolean {
  const c = r?.status?.conditions?.find((x) => x.type === 'Programmed');
  return c?.status === 'True' && r?.status?.programmedProxies === proxies && c.observedGeneration === r.metadata.generation && r.status.observedGeneration === r.metadata.generation;
}

/** A PATCH of a CacheRule's status, with the state it wrote. */
function writtenState(r: RequestRecord): { name: string; generation: number | undefined; programmed: boolean } {
  const status = (r.body as { status?: Resource['status'] } | undefined)?.status;
  const programmed = status?.conditions?.find((c) => c.type === 'Programmed')?.status === 'True';
  return { name: r.path.split('/').at(-2) ?? '', generation: status?.observedGeneration, programmed };
}

describe(`status at scale: ${COUNT} CacheRules (fake API server, two real proxies, default API rate)`, () => {
  let kube: FakeKube;
  let up: FakeUpstream;
  let dir: string;
  let controller: Controller;
  const proxies: ChildProxy[] = [];

  const get = (kind: string, name: string): Resource | undefined => kube.get(GV, kind, APPS, name) as Resource | undefined;
  const rulePatches = (): RequestRecord[] => kube.requests({ verb: 'patch', path: /\/cacherules\/[^/]+\/status$/ }).filter((r) => r.status === 200);

  before(async () => {
    kube = await FakeKube.start({ bookmarkIntervalMs: 1000 });
    up = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'jussi-scale-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfigPath, NS);
    for (const name of ['proxy-a', 'proxy-b']) {
      const p = await spawnProxy('{}', {
        JUSSI_SERVER_PORT: String(await freePort()),
        JUSSI_ADMIN_PORT: String(await freePort()),
        KUBECONFIG: kubeconfigPath,
        JUSSI_CONFIG_CONFIGMAP: `${NS}/jussi-proxy-config`,
        LOG_LEVEL: 'WARN',
      });
      proxies.push(p);
      kube.putPod({ name, namespace: NS, labels: PROXY_LABELS, podIP: '127.0.0.1', annotations: { 'jussi.io/admin-port': String(p.adminPort) } });
    }
    // The defaults, except the metrics port (any free one).
    const settings = readOperatorSettings({ POD_NAME: 'operator-1', POD_NAMESPACE: NS, OPERATOR_CONFIGMAP: `${NS}/jussi-proxy-config`, OPERATOR_METRICS_PORT: '0' }, 'operator-1');
    if (!settings.ok) throw new Error(JSON.stringify(settings.errors));
    assert.deepEqual(settings.settings.kubeApi, { qps: 50, burst: 100 });
    controller = new Controller({ kubeConfig: kube.kubeConfig(NS), settings: settings.settings, logger: noopLogger });
    await controller.start();
    kube.put({ apiVersion: GV, kind: 'JsonRpcUpstream', metadata: { name: 'chain', namespace: APPS }, spec: { namespace: 'chain', routes: [{ prefix: 'chain', url: up.httpUrl('/chain') }] } });
    await waitFor(() => isProgrammed(get('JsonRpcUpstream', 'chain')), 'the upstream Programmed 2/2', 60_000);
  });

  after(async () => {
    await controller?.stop().catch(() => undefined);
    for (const p of proxies) await p.stop();
    await up?.close();
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('settles all of them; an edit during the settle goes ahead of the bulk; about one write each', async (t) => {
    kube.clearRequests();
    const started = Date.now();
    for (let i = 0; i < COUNT; i++) {
      kube.put({ apiVersion: GV, kind: 'CacheRule', metadata: { name: ruleName(i), namespace: APPS }, spec: { rules: [{ prefix: `chain.method_${i}`, policy: 'Seconds', seconds: 30 }] } });
    }
    const created = Date.now();
    // Mid-settle, edit the resource created last (the back of the line).
    await waitFor(() => rulePatches().length >= COUNT / 5 || undefined, `${COUNT / 5} statuses written`, 120_000, 10);
    const editedName = ruleName(COUNT - 1);
    const before = kube.get(GV, 'CacheRule', APPS, editedName) as JsonObject;
    kube.put({ ...before, spec: { rules: [{ prefix: `chain.method_${COUNT - 1}`, policy: 'Seconds', seconds: 60 }] } });
    const edited = Date.now();
    assert.equal(get('CacheRule', editedName)?.metadata.generation, 2);
    await waitFor(() => isProgrammed(get('CacheRule', editedName)), 'the edited resource Programmed at generation 2', 60_000, 10);
    const editProgrammedMs = Date.now() - edited;
    await waitFor(() => {
      for (let i = 0; i < COUNT; i++) if (!isProgrammed(get('CacheRule', ruleName(i)))) return false;
      return true;
    }, `all ${COUNT} Programmed 2/2`, 180_000, 100);
    const settledMs = Date.now() - started;

    const patches = rulePatches().map(writtenState);
    const editWrite = patches.findIndex((p) => p.name === editedName && p.generation === 2 && p.programmed);
    assert.ok(editWrite !== -1, 'the edit was written Programmed');
    // Resources whose first Programmed status went out after the edit's: the edit did not wait for them.
    const firstProgrammed = new Map<string, number>();
    patches.forEach((p, i) => {
      if (p.programmed && !firstProgrammed.has(p.name)) firstProgrammed.set(p.name, i);
    });
    const overtaken = [...firstProgrammed].filter(([name, i]) => name !== editedName && i > editWrite).length;
    const perResource = patches.length / COUNT;
    const summary = [
      `created ${COUNT} in ${created - started} ms`,
      `all Programmed ${settledMs} ms after the first create`,
      `edited resource Programmed ${editProgrammedMs} ms after its edit (write ${editWrite + 1} of ${patches.length}, ahead of ${overtaken} resources' first Programmed status)`,
      `${patches.length} status writes: ${perResource.toFixed(2)} per resource`,
    ];
    for (const line of summary) t.diagnostic(line);
    console.log(`status at scale: ${summary.join('; ')}`);
    assert.ok(overtaken >= 100, `the edit should go ahead of the bulk, but only ${overtaken} resources were programmed after it`);
    assert.ok(perResource <= 2.5, `${perResource} writes per resource`);
    for (const [name, i] of firstProgrammed) {
      const later = patches.slice(i + 1).filter((p) => p.name === name && p.generation === patches[i]?.generation);
      assert.deepEqual(later, [], `${name} was written again at the same generation after it was Programmed`);
    }
  });

  it('writes nothing more while nothing changes', async () => {
    // Lease renewals aside: statuses and the ConfigMap.
    const writes = (): string[] => kube.writes().filter((w) => w.path.endsWith('/status') || w.path.includes('/configmaps')).map((w) => `${w.verb} ${w.path}`);
    const before = writes().length;
    const skippedMetric = async (): Promise<number> => {
      const metric = await controller.metrics.registry.getSingleMetric('jussi_operator_status_writes')?.get();
      return metric?.values.find((v) => v.labels['outcome'] === 'skipped')?.value ?? 0;
    };
    const skipped = await skippedMetric();
    // Two more full status passes (each finds every status unchanged).
    await waitFor(async () => (await skippedMetric()) >= skipped + 2 * (COUNT + 1), 'two more status passes', 60_000, 100);
    assert.deepEqual(writes().slice(before), []);
  });
});
