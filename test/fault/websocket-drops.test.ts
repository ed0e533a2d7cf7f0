// Fault: a WebSocket upstream that loses messages (never answers 1 call in 100) and cuts its
// connection on 1 call in 500, under load, with an HTTP backup after it. Expected: a lost
// message costs its own call at most (1000 at the route's timeout: nobody else's answer, no
// stuck connection); a cut connection fails its calls over to the backup; nothing else fails.
import { after, describe, it } from 'node:test';
import { freePort } from '../support/fake-upstream/index.js';
import { spawnProxy, waitReady } from '../support/proxy.js';
import { assertBounded, figures, Load, proxyPorts, report, rssMiB, UpstreamProcess } from './support/fault-harness.js';

describe('fault: WebSocket messages and connections dropped at random', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('fails only the calls whose message was lost; dropped connections fail over', async () => {
    const lossy = await UpstreamProcess.start(await freePort(), { dropMessageRate: 0.01, dropConnectionRate: 0.002 });
    const backup = await UpstreamProcess.start(await freePort());
    cleanup.push(() => lossy.stop(), () => backup.stop());
    const config = { upstreams: [{ name: 'sock', urls: [['sock', [lossy.wsUrl('/'), backup.httpUrl('/')]]], ttls: [], timeouts: [['sock', 1]] }] };
    const proxy = await spawnProxy(config, { ...(await proxyPorts()), LOG_LEVEL: 'ERROR', JUSSI_WEBSOCKET_POOL_MINSIZE: '4', JUSSI_WEBSOCKET_POOL_MAXSIZE: '4' });
    cleanup.push(() => proxy.stop());
    await waitReady(proxy);

    const load = new Load({ url: proxy.url, concurrency: 32, method: () => 'sock.echo', maxRequests: 4000 });
    await load.answeredMore(200);
    const rssBefore = rssMiB(proxy.child.pid);
    await load.answeredMore(3000);
    await load.stop();
    const stats = await lossy.stats();
    const f = report(
      `websocket drops (${stats.droppedMessages} messages lost, ${stats.droppedConnections} connections cut)`,
      figures(load.records, null, rssBefore, rssMiB(proxy.child.pid)),
    );
    assertBounded(f, stats.droppedMessages, ['rpc:1000'], 'lossy websocket');
  });
});
