// Fault: an upstream process killed (-9) under load and started again 0.3 s later, for HTTP and
// WebSocket upstreams. Two routes share it: `chain` lists it first with a backup after it,
// `solo` has it alone. Expected: `chain` loses at most the calls in flight on the killed
// upstream (reads fail over); `solo` fails at once while the upstream is gone (never at its
// timeout) and serves again soon after it accepts again; no answer is ever another's.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freePort, sleep, waitFor } from '../support/fake-upstream/index.js';
import { spawnProxy, waitReady, type ChildProxy } from '../support/proxy.js';
import { assertBounded, figures, Load, proxyPorts, proxyState, report, rssMiB, UpstreamProcess } from './support/fault-harness.js';

const SOLO_TIMEOUT_S = 10;

describe('fault: upstream killed and restarted under load', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  for (const protocol of ['http', 'websocket'] as const) {
    it(`${protocol}: in-flight calls at most fail, reads fail over, the lone route fails fast and comes back`, async () => {
      const victim = await UpstreamProcess.start(await freePort());
      const backup = await UpstreamProcess.start(await freePort());
      cleanup.push(() => victim.stop(), () => backup.stop());
      const url = (u: UpstreamProcess): string => (protocol === 'http' ? u.httpUrl('/') : u.wsUrl('/'));
      const config = {
        upstreams: [
          { name: 'chain', urls: [['chain', [url(victim), backup.httpUrl('/')]]], ttls: [], timeouts: [['chain', 10]] },
          { name: 'solo', urls: [['solo', url(victim)]], ttls: [], timeouts: [['solo', SOLO_TIMEOUT_S]] },
        ],
      };
      const proxy: ChildProxy = await spawnProxy(config, { ...(await proxyPorts()), LOG_LEVEL: 'ERROR', JUSSI_WEBSOCKET_POOL_MINSIZE: '8', JUSSI_WEBSOCKET_POOL_MAXSIZE: '8' });
      cleanup.push(() => proxy.stop());
      await waitReady(proxy);

      const load = new Load({ url: proxy.url, concurrency: 16, method: (seq) => (seq % 2 === 0 ? 'chain.echo' : 'solo.echo'), maxRequests: 200_000 });
      await load.answeredMore(400);
      const rssBefore = rssMiB(proxy.child.pid);
      const inFlight = load.inFlight;
      const killedAt = Date.now();
      await victim.kill();
      await load.answeredMore(300);
      await sleep(300); // the restart delay of the probe that found the defect
      await victim.launch();
      const restartedAt = Date.now();
      // Back: the lone route answers again (for WebSocket, on a full pool again).
      await waitFor(() => load.records.some((r) => r.method === 'solo.echo' && r.sentAt >= restartedAt && r.outcome === 'ok'), { timeoutMs: 30_000, message: 'solo served again' });
      const recovery = Date.now() - restartedAt;
      if (protocol === 'websocket') {
        await waitFor(async () => (await proxyState(proxy.adminUrl)).upstreams.filter((u) => u.url === url(victim)).every((u) => u.size === 8), { timeoutMs: 10_000, message: 'pool of 8 back' });
      }
      await load.answeredMore(400);
      await load.stop();
      const rssAfter = rssMiB(proxy.child.pid);
      const only = (method: string): typeof load.records => load.records.filter((r) => r.method === method);

      // `chain`: at most the calls in flight on the killed upstream (they fail over, mostly).
      const chain = report(`${protocol} upstream killed, route with a backup`, figures(only('chain.echo'), null, rssBefore, rssAfter));
      assertBounded(chain, inFlight, ['rpc:-32603'], 'chain');
      // `solo`: failures only while the upstream was gone, each at once, never at its timeout.
      const solo = report(`${protocol} upstream killed, lone route (down ${restartedAt - killedAt} ms)`, figures(only('solo.echo'), recovery, rssBefore, rssAfter));
      const soloFailures = only('solo.echo').filter((r) => r.outcome !== 'ok');
      for (const r of soloFailures) {
        assert.ok(r.doneAt >= killedAt && r.sentAt <= restartedAt + recovery, `solo failed outside the outage: ${JSON.stringify(r)}`);
        assert.ok(r.doneAt - r.sentAt < SOLO_TIMEOUT_S * 1000, `solo waited its timeout: ${JSON.stringify(r)}`);
      }
      assertBounded(solo, soloFailures.length, ['rpc:-32603'], 'solo');
      // Back within seconds of the upstream accepting again (about 10 s before the fix, for WebSocket).
      assert.ok(recovery < 5_000, `recovery took ${recovery} ms`);
    });
  }
});
