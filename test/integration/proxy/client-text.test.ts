// Client text the proxy copies into its own output is bounded: a huge method name does not make
// a huge access line, and a huge x-amzn-trace-id is neither echoed nor sent upstream whole (cut
// at 1,024 characters, as the x-jussi-* headers are).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, startTestProxy, type TestProxy } from '../../support/proxy.js';

describe('client text in headers and logs', () => {
  let up: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    up = await startFakeUpstream();
    proxy = await startTestProxy({ upstreams: [{ name: 'fast', urls: [['fast', up.httpUrl('/')]], ttls: [], timeouts: [] }] }, { LOG_LEVEL: 'INFO' });
  });
  after(async () => {
    await proxy?.stop();
    await up?.close();
  });

  const accessLines = (): Record<string, unknown>[] => proxy.logs.records().filter((r) => r['message'] === 'request');

  it('cuts a 100 KB method name to 1,024 characters in the access line', async () => {
    const method = `fast.${'m'.repeat(100_000)}`;
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method });
    assert.equal(res.status, 200);
    const line = await waitFor(() => accessLines().find((r) => typeof r['method'] === 'string' && (r['method'] as string).startsWith('mmm')), { message: 'the access line' });
    assert.equal((line['method'] as string).length, 1024);
    assert.ok((line['method'] as string).endsWith('...'));
    assert.ok(JSON.stringify(line).length < 4096, 'the whole line stays small');
  });

  it('cuts a quoted client name in an error line too', async () => {
    const namespace = 'n'.repeat(100_000);
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: `${namespace}.get` });
    const code = (res.json as { error: { code: number } }).error.code;
    const line = await waitFor(() => accessLines().find((r) => (r['error'] as { code?: number } | undefined)?.code === code), { message: 'the error line' });
    assert.ok(JSON.stringify(line).length < 8192, `the error line stays small (${JSON.stringify(line).length} chars)`);
  });

  it('echoes and forwards at most 1,024 characters of x-amzn-trace-id; a normal one whole', async () => {
    const long = `Root=1-${'a'.repeat(12_000)}`;
    up.reset();
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'fast.trace' }, { 'x-amzn-trace-id': long });
    const echoed = res.headers.get('x-amzn-trace-id') ?? '';
    assert.equal(echoed.length, 1024);
    assert.equal(echoed, `${long.slice(0, 1021)}...`);
    assert.equal(up.received({ method: 'fast.trace' })[0]?.headers['x-amzn-trace-id'], echoed);
    const normal = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
    const plain = await rpc(proxy.url, { jsonrpc: '2.0', id: 4, method: 'fast.trace' }, { 'x-amzn-trace-id': normal });
    assert.equal(plain.headers.get('x-amzn-trace-id'), normal);
  });
});
