// Status at scale, against the fake API server with two real proxies: 1,000 CacheRules created
// at once settle (every one Programmed 2/2 at its generation) with the default API rate, and a
// resource edited during the settle is written ahead of the bulk. Timings are measured and
// printed, never asserted (the machine is shared); what is asserted is that it settles, the
// order of the writes, how many writes each resource took, and that nothing is written once
// nothing changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor, type RequestRecord } from '../../support/fake-kube/index.js';
import { type Cluster, type StatusView, isProgrammed, programmed, startCluster } from './support/cluster.js';

const COUNT = 1000;

const ruleName = (i: number): string => `rule-${String(i).padStart(4, '0')}`;

/** A PATCH of a CacheRule's status, with the state it wrote. */
function writtenState(r: RequestRecord): { name: string; generation: number | undefined; programmed: boolean } {
  const status = (r.body as { status?: StatusView['status'] } | undefined)?.status;
  const programmed = status?.conditions?.find((c) => c.type === 'Programmed')?.status === 'True';
  return { name: r.path.split('/').at(-2) ?? '', generation: status?.observedGeneration, programmed };
}

describe(`status at scale: ${COUNT} CacheRules (fake API server, two real proxies, default API rate)`, () => {
  let cluster: Cluster;
  const rulePatches = (): RequestRecord[] => cluster.kube.requests({ verb: 'patch', path: /\/cacherules\/[^/]+\/status$/ }).filter((r) => r.status === 200);

  before(async () => {
    cluster = await startCluster();
    cluster.put('JsonRpcUpstream', 'chain', { namespace: 'chain', routes: [{ prefix: 'chain', url: cluster.up.httpUrl('/chain') }] });
    await programmed(cluster, 'JsonRpcUpstream', 'chain');
  });

  after(async () => {
    await cluster?.close();
  });

  it('settles all of them; an edit during the settle goes ahead of the bulk; about one write each', async (t) => {
    const { kube } = cluster;
    const get = cluster.get;
    kube.clearRequests();
    const started = Date.now();
    for (let i = 0; i < COUNT; i++) cluster.put('CacheRule', ruleName(i), { rules: [{ prefix: `chain.method_${i}`, policy: 'Seconds', seconds: 30 }] });
    const created = Date.now();
    // Mid-settle, edit the resource created last (the back of the line).
    await waitFor(() => rulePatches().length >= COUNT / 5 || undefined, `${COUNT / 5} statuses written`, 120_000, 10);
    const editedName = ruleName(COUNT - 1);
    cluster.put('CacheRule', editedName, { rules: [{ prefix: `chain.method_${COUNT - 1}`, policy: 'Seconds', seconds: 60 }] });
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
    const bodies = rulePatches().map((r) => JSON.stringify((r.body as { status?: unknown }).status));
    for (const [name, i] of firstProgrammed) {
      const later = patches.map((p, j) => ({ ...p, j })).slice(i + 1).filter((p) => p.name === name && p.generation === patches[i]?.generation);
      assert.deepEqual(later, [], `${name} was written again at the same generation after it was Programmed: ${bodies[i]} then ${later.map((l) => bodies[l.j]).join(' then ')}`);
    }
  });

  it('writes nothing more while nothing changes', async () => {
    const { kube, controller } = cluster;
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
