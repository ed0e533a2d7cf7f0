// Upstream URL secrets (credentials, query, fragment) never reach a client, /state or /metrics,
// and logs keep only the redacted URL. Client-facing reasons name the upstream by namespace and
// host unless JUSSI_EXPOSE_UPSTREAM_URLS asks for the (redacted) URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, startTestProxy, type TestProxy } from '../../support/proxy.js';

const SECRETS = ['SECRET', 'hunter2', 'alice:', 'TOKEN'];

function assertClean(what: string, text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${what} leaks ${s}: ${text.slice(0, 2000)}`);
}

interface ErrorBody {
  error?: { code: number; message: string; data?: { reason?: string } };
}

describe('upstream URL secrets', () => {
  let deadPort: number;
  let ws: FakeUpstream;

  before(async () => {
    deadPort = await freePort();
    ws = await startFakeUpstream();
  });
  after(async () => {
    await ws?.close();
  });

  function config(): unknown {
    return {
      upstreams: [
        { name: 'dead', urls: [['dead', `http://alice:hunter2@127.0.0.1:${deadPort}/rpc/path?api_key=SECRET#TOKEN`]], ttls: [], timeouts: [['dead', 5]] },
        { name: 'sock', urls: [['sock', `ws://alice:hunter2@127.0.0.1:${ws.port}/ws?api_key=SECRET`]], ttls: [], timeouts: [['sock', 5]] },
      ],
    };
  }

  async function scenario(env: Record<string, string>): Promise<{ proxy: TestProxy; reasons: string[] }> {
    const proxy = await startTestProxy(config(), { LOG_LEVEL: 'DEBUG', JUSSI_WEBSOCKET_POOL_MINSIZE: '1', JUSSI_WEBSOCKET_POOL_MAXSIZE: '1', ...env });
    const reasons: string[] = [];
    const dead = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'dead.call' });
    assertClean('the error body', dead.text);
    assertClean('the error headers', JSON.stringify([...dead.headers]));
    reasons.push((dead.json as ErrorBody).error?.data?.reason ?? '');
    // An oversized WebSocket message: the error names the upstream too.
    ws.on({ method: 'sock.big' }, () => ({ result: 'x'.repeat(4096) }));
    const big = await rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: 'sock.big' });
    assertClean('the WebSocket error body', big.text);
    reasons.push((big.json as ErrorBody).error?.data?.reason ?? '');
    return { proxy, reasons };
  }

  it('names the upstream by namespace and host in client-facing reasons, and leaks nothing anywhere', async () => {
    const { proxy, reasons } = await scenario({ JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: '1024' });
    try {
      assert.match(reasons[0] ?? '', new RegExp(`^upstream dead \\(127\\.0\\.0\\.1:${deadPort}\\) failed \\(connect\\): `));
      assert.ok(!(reasons[0] ?? '').includes('/rpc/path'), 'no path by default');
      assert.match(reasons[1] ?? '', new RegExp(`message larger than 1024 bytes.*\\(upstream sock \\(127\\.0\\.0\\.1:${ws.port}\\)\\)$`));
      const state = await (await fetch(`${proxy.adminUrl}/state`)).text();
      assertClean('/state', state);
      assert.ok(state.includes(`http://127.0.0.1:${deadPort}/rpc/path`), '/state names the redacted URL');
      assertClean('/metrics', await (await fetch(`${proxy.adminUrl}/metrics`)).text());
      await waitFor(() => proxy.logs.lines.some((l) => l.includes('"message":"request"') && l.includes('dead')), { message: 'the access line' });
      assertClean('the log', proxy.logs.lines.join('\n'));
      assert.ok(proxy.logs.lines.some((l) => l.includes(`http://127.0.0.1:${deadPort}/rpc/path`)), 'logs keep the redacted URL');
    } finally {
      await proxy.stop();
    }
  });

  it('names the redacted URL with JUSSI_EXPOSE_UPSTREAM_URLS=true, still without secrets', async () => {
    const { proxy, reasons } = await scenario({ JUSSI_UPSTREAM_MAX_RESPONSE_SIZE: '1024', JUSSI_EXPOSE_UPSTREAM_URLS: 'true' });
    try {
      assert.match(reasons[0] ?? '', new RegExp(`^upstream http://127\\.0\\.0\\.1:${deadPort}/rpc/path failed \\(connect\\): `));
      assert.match(reasons[1] ?? '', new RegExp(`\\(upstream ws://127\\.0\\.0\\.1:${ws.port}/ws\\)$`));
    } finally {
      await proxy.stop();
    }
  });
});
