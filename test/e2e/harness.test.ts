// The parts of the kind suite that run without a cluster, tested here so a broken harness is
// found before a 15-minute CI job: the gate, condition reading (observedGeneration must match),
// the waiting helper, and the fake upstream the cluster runs (as a real process on a real port).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { repoRoot } from '../support/repo.js';
import { currentCondition, viewOf } from './support/cluster.js';
import { readE2eGate } from './support/env.js';
import { until } from './support/wait.js';

describe('e2e gate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jussi-e2e-gate-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\n');
  after(() => rmSync(dir, { recursive: true, force: true }));

  const table: ReadonlyArray<{ env: Record<string, string>; ok: boolean; reason?: RegExp }> = [
    { env: {}, ok: false, reason: /E2E_KIND is not 1/ },
    { env: { E2E_KIND: 'true' }, ok: false, reason: /E2E_KIND is not 1/ },
    { env: { E2E_KIND: '1' }, ok: false, reason: /E2E_KUBECONFIG is not set: run the suite through `E2E_KIND=1 npm run test:e2e`/ },
    { env: { E2E_KIND: '1', E2E_KUBECONFIG: join(dir, 'missing') }, ok: false, reason: /does not exist/ },
    { env: { E2E_KIND: '1', E2E_KUBECONFIG: kubeconfig }, ok: true },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.env).replaceAll(dir, '<tmp>')} -> ${row.ok ? 'runs' : 'skips'}`, () => {
      const gate = readE2eGate(row.env);
      assert.equal(gate.ok, row.ok);
      if (!gate.ok && row.reason) assert.match(gate.reason, row.reason);
      if (gate.ok) {
        assert.equal(gate.settings.namespace, 'jussi-system');
        assert.equal(gate.settings.fakeHttp, 'http://fake-upstream.jussi-system.svc:8080');
      }
    });
  }
});

describe('reading conditions', () => {
  const cr = (generation: number, observed: number, status: string): unknown => ({
    metadata: { name: 'x', namespace: 'ns', generation },
    status: { programmedProxies: '2/2', conditions: [{ type: 'Programmed', status, reason: 'Programmed', message: 'ok', observedGeneration: observed }] },
  });
  it('uses a condition only when it describes the current generation', () => {
    assert.equal(currentCondition(viewOf(cr(3, 3, 'True')), 'Programmed')?.status, 'True');
    assert.equal(currentCondition(viewOf(cr(3, 2, 'True')), 'Programmed'), undefined, 'a stale True must not count');
    assert.equal(currentCondition(viewOf(cr(3, 3, 'True')), 'Accepted'), undefined);
    assert.equal(viewOf(cr(1, 1, 'True')).programmedProxies, '2/2');
    assert.deepEqual(viewOf(null).conditions, []);
  });

  it('until returns the first value, and times out naming what it last saw', async () => {
    let n = 0;
    assert.equal(await until('n to reach 3', async () => { n++; return { value: n >= 3 ? n : undefined, seen: `n=${n}` }; }, 10_000, 1), 3);
    await assert.rejects(until('never', async () => ({ value: undefined, seen: 'still nothing' }), 50, 5), /timed out after 0 s waiting for never; last seen: still nothing/);
  });
});

describe('the fake upstream (test/e2e/fake-upstream.mjs)', () => {
  let child: ChildProcess;
  let base = '';
  before(async () => {
    child = spawn(process.execPath, [join(repoRoot, 'test', 'e2e', 'fake-upstream.mjs')], { env: { ...process.env, PORT: '0', POD_NAME: 'fake-0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /listening on (\d+)/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`fake upstream exited with ${String(code)}: ${out}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  });

  async function post(body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${base}/`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  it('echoes method and params with a per-call hit count, and names its pod', async () => {
    const first = await post({ jsonrpc: '2.0', id: 1, method: 'ns.get', params: ['a'] });
    const second = await post({ jsonrpc: '2.0', id: 2, method: 'ns.get', params: ['a'] });
    const other = await post({ jsonrpc: '2.0', id: 3, method: 'ns.get', params: ['b'] });
    assert.deepEqual(first.json, { jsonrpc: '2.0', id: 1, result: { pod: 'fake-0', method: 'ns.get', params: ['a'], hitCount: 1 } });
    assert.equal((second.json as { result: { hitCount: number } }).result.hitCount, 2);
    assert.equal((other.json as { result: { hitCount: number } }).result.hitCount, 1);
  });

  it('answers batches in order, skips notifications, and reports counts by prefix', async () => {
    const reply = await post([
      { jsonrpc: '2.0', id: 'x', method: 'st.one' },
      { jsonrpc: '2.0', method: 'st.note' },
      { jsonrpc: '2.0', id: 'y', method: 'st.fake_stats', params: ['st.'] },
    ]);
    assert.equal(reply.status, 200);
    const items = reply.json as Array<{ id: unknown; result: Record<string, unknown> }>;
    assert.deepEqual(items.map((i) => i.id), ['x', 'y']);
    assert.deepEqual(items[1]?.result['counts'], { 'st.one null': 1, 'st.note null': 1, 'st.fake_stats ["st."]': 1 });
    assert.equal((await post({ jsonrpc: '2.0', method: 'st.note' })).status, 204);
  });

  it('gives block numbers for get_dynamic_global_properties, in both call forms', async () => {
    for (const req of [
      { jsonrpc: '2.0', id: 1, method: 'condenser_api.get_dynamic_global_properties', params: [] },
      { jsonrpc: '2.0', id: 1, method: 'call', params: ['database_api', 'get_dynamic_global_properties', []] },
    ]) {
      const result = (await post(req)).json as { result: { head_block_number: number; last_irreversible_block_num: number } };
      assert.ok(result.result.head_block_number > result.result.last_irreversible_block_num);
    }
  });

  it('answers a parse error and a non-object request with JSON-RPC errors', async () => {
    assert.deepEqual((await post('{nope')).json, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    assert.deepEqual((await post('[1]')).json, [{ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } }]);
  });

  it('serves health and the same handler over WebSocket', async () => {
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const ws = new WebSocket(base.replace('http', 'ws'));
    await once(ws, 'open');
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ws.ping', params: [1] }));
    const [data] = (await once(ws, 'message')) as [Buffer];
    ws.close();
    assert.deepEqual(JSON.parse(data.toString('utf8')), { jsonrpc: '2.0', id: 5, result: { pod: 'fake-0', method: 'ws.ping', params: [1], hitCount: 1 } });
  });
});
