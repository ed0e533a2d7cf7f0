// Fault: an upstream answering 50 MB, four calls at a time, while ordinary clients load the
// proxy. Expected: each oversized answer is 1100 naming the limit (JUSSI_UPSTREAM_MAX_RESPONSE_SIZE,
// 32 MiB by default), the proxy's memory comes back near where it was, and the ordinary load
// does not lose a request.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { freePort, waitFor } from '../support/fake-upstream/index.js';
import { rpc, spawnProxy, waitReady } from '../support/proxy.js';
import { assertBounded, figures, Load, proxyPorts, proxyState, report, rssMiB, UpstreamProcess } from './support/fault-harness.js';

/** Growth allowed once the oversized answers are gone (four of them held whole came to 870 MiB). */
const RSS_GROWTH_MAX_MIB = 200;

describe('fault: oversized upstream answers', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('answers 1100 for 50 MB answers, keeps memory bounded, and serves everyone else', async () => {
    const big = await UpstreamProcess.start(await freePort(), { bigBytes: 50 * 1024 * 1024 });
    cleanup.push(() => big.stop());
    const config = {
      upstreams: [
        { name: 'web', urls: [['web', big.httpUrl('/')]], ttls: [], timeouts: [['web', 30]] },
        { name: 'sock', urls: [['sock', big.wsUrl('/')]], ttls: [], timeouts: [['sock', 30]] },
      ],
    };
    const proxy = await spawnProxy(config, { ...(await proxyPorts()), LOG_LEVEL: 'ERROR', JUSSI_WEBSOCKET_POOL_MINSIZE: '2', JUSSI_WEBSOCKET_POOL_MAXSIZE: '2' });
    cleanup.push(() => proxy.stop());
    await waitReady(proxy);

    const load = new Load({ url: proxy.url, concurrency: 8, method: () => 'web.echo', maxRequests: 100_000 });
    await load.answeredMore(300);
    const rssBefore = rssMiB(proxy.child.pid) ?? 0;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(proxy.child.pid) ?? 0)), 50);
    const reasons: string[] = [];
    for (let round = 0; round < 3; round++) {
      // An oversized message costs its WebSocket connection: the pool reopens it first.
      await waitFor(async () => (await proxyState(proxy.adminUrl)).upstreams.some((u) => u.url === big.wsUrl('/') && u.size === 2), { timeoutMs: 20_000, message: 'WebSocket pool open' });
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, i) => rpc(proxy.url, { jsonrpc: '2.0', id: `big-${round}-${i}`, method: i % 2 === 0 ? 'web.big' : 'sock.big' })),
      );
      for (const [i, a] of answers.entries()) {
        const body = a.json as { id: string; error?: { code: number; message: string } };
        assert.equal(body.id, `big-${round}-${i}`);
        assert.equal(body.error?.code, 1100, a.text.slice(0, 300));
        reasons.push(body.error.message);
      }
    }
    clearInterval(sampler);
    await load.answeredMore(300);
    await load.stop();
    // Memory is given back as the collector runs: wait for it rather than read it once.
    let rssAfter = rssMiB(proxy.child.pid) ?? 0;
    await waitFor(() => (rssAfter = rssMiB(proxy.child.pid) ?? 0) < rssBefore + RSS_GROWTH_MAX_MIB, { timeoutMs: 30_000, intervalMs: 200, message: 'memory back near its baseline' }).catch(() => undefined);
    const f = report(`12 answers of 50 MB (rss peak ${peak} MiB)`, figures(load.records, null, rssBefore, rssAfter));
    assertBounded(f, 0, [], 'ordinary clients');
    assert.ok(reasons.every((r) => /larger than 33554432 bytes/.test(r)), reasons.join('\n'));
    assert.ok(rssAfter < rssBefore + RSS_GROWTH_MAX_MIB, `RSS ${rssBefore} -> ${rssAfter} MiB`);
  });
});
