// Fault: one of two cluster workers killed (-9) under load. Expected: only requests on the
// killed worker's connections can fail (as transport errors: the socket is gone), the primary
// starts a new worker, the pod reports two workers again, and every other request is answered.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freePort, waitFor } from '../support/fake-upstream/index.js';
import { spawnProxy, waitReady } from '../support/proxy.js';
import { assertBounded, figures, Load, proxyPorts, proxyState, report, rssMiB, UpstreamProcess } from './support/fault-harness.js';

const CONCURRENCY = 16;

describe('fault: a worker killed under load', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('loses at most the requests on the killed worker, and the pod is whole again', async () => {
    const up = await UpstreamProcess.start(await freePort());
    cleanup.push(() => up.stop());
    const config = { upstreams: [{ name: 'chain', urls: [['chain', up.httpUrl('/')]], ttls: [], timeouts: [['chain', 10]] }] };
    const proxy = await spawnProxy(config, { ...(await proxyPorts()), JUSSI_SERVER_WORKERS: '2', LOG_LEVEL: 'INFO' });
    cleanup.push(() => proxy.stop());
    await waitReady(proxy, 60_000);
    const records = (): Record<string, unknown>[] =>
      proxy.output.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    const workerPid = (await waitFor(() => records().find((r) => typeof r['worker'] === 'number' && r['pid'] !== proxy.child.pid), { message: 'a worker log line' }))['pid'] as number;

    const load = new Load({ url: proxy.url, concurrency: CONCURRENCY, method: () => 'chain.echo', maxRequests: 100_000 });
    await load.answeredMore(600);
    const rssBefore = rssMiB(proxy.child.pid);
    process.kill(workerPid, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => records().some((r) => r['message'] === 'worker exited unexpectedly: restarting it'), { timeoutMs: 20_000, message: 'the primary saw it' });
    await waitFor(async () => (await proxyState(proxy.adminUrl)).workers === 2, { timeoutMs: 60_000, message: 'two workers again' });
    const recovery = Date.now() - killedAt;
    await load.answeredMore(600);
    await load.stop();
    const f = report('worker killed', figures(load.records, recovery, rssBefore, rssMiB(proxy.child.pid)));
    // One request per client connection at most was on the killed worker.
    assertBounded(f, CONCURRENCY, ['transport:'], 'worker killed');
    const failed = load.records.filter((r) => r.outcome !== 'ok');
    for (const r of failed) assert.ok(r.sentAt <= killedAt + recovery, `a request failed after the pod was whole again: ${JSON.stringify(r)}`);
  });
});
