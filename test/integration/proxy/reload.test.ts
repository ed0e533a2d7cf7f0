// Live reload from the config file: a valid document swaps in atomically while requests keep
// flowing (none fails), an invalid one is rejected and reported while the last good one serves.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, startTestProxy, type TestProxy } from '../../support/proxy.js';

interface StateBody {
  configHash: string | null;
  lastReloadError: { message: string } | null;
  upstreams: { url: string }[];
}

function config(a: FakeUpstream, target: string, ttl: number): unknown {
  return {
    upstreams: [{ name: 'chain', urls: [['chain', a.httpUrl(target)]], ttls: [['chain', ttl]], timeouts: [['chain', 5]] }],
  };
}

async function state(proxy: TestProxy): Promise<StateBody> {
  const res = await fetch(`${proxy.adminUrl}/state`);
  return (await res.json()) as StateBody;
}

describe('live reload', () => {
  let up: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    up = await startFakeUpstream();
    up.on({ method: 'chain.whoami' }, (r) => ({ result: r.path, delayMs: 5 }));
    proxy = await startTestProxy(config(up, '/one', -1));
  });
  after(async () => {
    await proxy?.stop();
    await up?.close();
  });

  it('swaps configs under load without failing a request', async () => {
    const before = await state(proxy);
    let stop = false;
    let sent = 0;
    const failures: string[] = [];
    const paths = new Set<unknown>();
    const load = async (): Promise<void> => {
      while (!stop) {
        sent += 1;
        const res = await rpc(proxy.url, { jsonrpc: '2.0', id: sent, method: 'chain.whoami' });
        const body = res.json as { result?: unknown; error?: unknown };
        if (res.status !== 200 || body.error !== undefined) failures.push(res.text);
        else paths.add(body.result);
      }
    };
    const workers = Array.from({ length: 8 }, () => load());
    await waitFor(() => sent > 50, { timeoutMs: 20_000, message: 'load started' });
    proxy.writeConfig(config(up, '/two', -1));
    await waitFor(async () => (await state(proxy)).configHash !== before.configHash, { timeoutMs: 20_000, message: 'config swapped' });
    await waitFor(() => paths.has('/two'), { timeoutMs: 20_000, message: 'requests reach the new upstream' });
    proxy.writeConfig(config(up, '/one', -1));
    await waitFor(async () => (await state(proxy)).configHash === before.configHash, { timeoutMs: 20_000, message: 'swapped back' });
    const mark = sent;
    await waitFor(() => sent > mark + 50, { timeoutMs: 20_000 });
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, [], 'no request failed during the reloads');
    assert.ok(paths.has('/one') && paths.has('/two'));
  });

  it('rejects an invalid document, keeps serving the last good one and reports why', async () => {
    const good = await state(proxy);
    proxy.writeConfig({ upstreams: [{ name: 'bad_api', urls: [['bad_api', 'ftp://x']], ttls: [], timeouts: [] }] });
    const rejected = await waitFor(async () => {
      const s = await state(proxy);
      return s.lastReloadError !== null ? s : null;
    }, { timeoutMs: 20_000, message: 'rejection reported' });
    assert.equal(rejected.configHash, good.configHash);
    assert.match(rejected.lastReloadError?.message ?? '', /\/upstreams\/0/);
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'chain.whoami' });
    assert.equal((res.json as { result?: unknown }).result, '/one');
    const lines = proxy.logs.records().filter((r) => r['message'] === 'config rejected; the last good config keeps serving');
    assert.equal(lines.length >= 1, true, 'the rejection is logged');
    proxy.writeConfig(config(up, '/one', -1));
    await waitFor(async () => (await state(proxy)).lastReloadError === null, { timeoutMs: 20_000, message: 'recovered' });
  });

  it('keeps the caches across a reload; a changed rule applies to the next write', async () => {
    up.on({ method: 'chain.cached' }, () => ({ result: 'v1' }));
    proxy.writeConfig(config(up, '/one', 60));
    await waitFor(async () => (await state(proxy)).configHash !== null && (await rpc(proxy.url, { jsonrpc: '2.0', id: 1, method: 'chain.cached' })).headers.get('x-jussi-cache-hit') !== null, {
      timeoutMs: 20_000,
      message: 'cached under the 60 s rule',
    });
    const calls = up.count({ method: 'chain.cached' });
    proxy.writeConfig(config(up, '/one', 30));
    const hashBefore = (await state(proxy)).configHash;
    await waitFor(async () => (await state(proxy)).configHash !== hashBefore, { timeoutMs: 20_000 });
    const res = await rpc(proxy.url, { jsonrpc: '2.0', id: 2, method: 'chain.cached' });
    assert.notEqual(res.headers.get('x-jussi-cache-hit'), null, 'the entry survived the reload');
    assert.equal(up.count({ method: 'chain.cached' }), calls);
    proxy.writeConfig(config(up, '/one', -1));
    const hash2 = (await state(proxy)).configHash;
    await waitFor(async () => (await state(proxy)).configHash !== hash2, { timeoutMs: 20_000 });
    const uncached = await rpc(proxy.url, { jsonrpc: '2.0', id: 3, method: 'chain.cached' });
    assert.equal(uncached.headers.get('x-jussi-cache-hit'), null, 'a -1 rule is not read from the cache');
  });
});
