// The fake upstream every integration test uses: it must do what its header says.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import WebSocket from 'ws';
import { freePort, resourceSnapshot, startFakeUpstream, waitFor, waitForNoLeaks } from '../../support/fake-upstream/index.js';
import type { FakeUpstream, ResourceSnapshot } from '../../support/fake-upstream/index.js';

async function post(url: string, body: unknown): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const res = await request(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-test': 'yes' },
    reset: true,
  });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

async function wsExchange(url: string, messages: readonly string[], expected: number): Promise<string[]> {
  const ws = new WebSocket(url);
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => messages.forEach((m) => ws.send(m)));
    ws.on('message', (data: WebSocket.RawData) => {
      received.push(String(data));
      if (received.length === expected) resolve();
    });
    ws.on('error', reject);
  });
  ws.terminate();
  return received;
}

describe('fake upstream', () => {
  let before: ResourceSnapshot;
  let fake: FakeUpstream;

  beforeEach(async () => {
    before = resourceSnapshot();
    fake = await startFakeUpstream();
  });

  afterEach(async () => {
    await fake.close();
    await waitForNoLeaks(before);
  });

  it('echoes by default and records the request', async () => {
    const res = await post(fake.httpUrl('/steemd.example?x=1'), { jsonrpc: '2.0', id: 3, method: 'a.b', params: [1] });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { jsonrpc: '2.0', id: 3, result: { path: '/steemd.example?x=1', method: 'a.b', params: [1] } });
    const [req] = fake.requests;
    assert.ok(req);
    assert.equal(req.seq, 1);
    assert.equal(req.transport, 'http');
    assert.equal(req.httpMethod, 'POST');
    assert.equal(req.headers['x-test'], 'yes');
    assert.equal(req.id, 3);
    assert.equal(req.method, 'a.b');
    assert.deepEqual(req.params, [1]);
    assert.equal(req.body, '{"jsonrpc":"2.0","id":3,"method":"a.b","params":[1]}');
  });

  it('routes by path and method; the latest route wins; routes can be removed', async () => {
    fake.reply({ method: /^condenser_api\./ }, { result: 'any condenser' });
    const remove = fake.reply({ path: '/p', method: 'condenser_api.get_block' }, { result: 'specific' });
    const call = async (path: string, method: string): Promise<unknown> =>
      (JSON.parse((await post(fake.httpUrl(path), { jsonrpc: '2.0', id: 1, method })).text) as { result: unknown }).result;
    assert.equal(await call('/p', 'condenser_api.get_block'), 'specific');
    assert.equal(await call('/q', 'condenser_api.get_block'), 'any condenser');
    remove();
    assert.equal(await call('/p', 'condenser_api.get_block'), 'any condenser');
    assert.equal(fake.count({ path: '/p' }), 2);
    assert.equal(fake.count({ method: 'condenser_api.get_block' }), 3);
    fake.reset();
    assert.equal(fake.count(), 0);
  });

  it('answers JSON-RPC errors, exact JSON, raw text, statuses and headers', async () => {
    fake.reply({ method: 'err' }, { error: { code: -32000, message: 'bad' } });
    fake.reply({ method: 'json' }, { json: { jsonrpc: '2.0', result: 1 } });
    fake.reply({ method: 'asis' }, { json: { result: 1 }, echoId: false });
    fake.reply({ method: 'raw' }, { body: 'not json', status: 503, headers: { 'content-type': 'text/plain', 'x-extra': '1' } });
    const body = (method: string): { jsonrpc: string; id: number; method: string } => ({ jsonrpc: '2.0', id: 9, method });
    assert.deepEqual(JSON.parse((await post(fake.httpUrl(), body('err'))).text), { jsonrpc: '2.0', id: 9, error: { code: -32000, message: 'bad' } });
    assert.deepEqual(JSON.parse((await post(fake.httpUrl(), body('json'))).text), { jsonrpc: '2.0', result: 1, id: 9 });
    assert.deepEqual(JSON.parse((await post(fake.httpUrl(), body('asis'))).text), { result: 1 });
    const raw = await post(fake.httpUrl(), body('raw'));
    assert.equal(raw.status, 503);
    assert.equal(raw.text, 'not json');
    assert.equal(raw.headers['x-extra'], '1');
  });

  it('answers batches item by item, unless a batch route takes them whole', async () => {
    fake.reply({ method: 'one' }, { result: 1 });
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'one' },
      { jsonrpc: '2.0', id: 2, method: 'two' },
    ];
    const items = JSON.parse((await post(fake.httpUrl(), batch)).text) as { id: number; result: unknown }[];
    assert.deepEqual(items.map((i) => [i.id, i.result]), [[1, 1], [2, { path: '/', method: 'two', params: null }]]);
    fake.on({ batch: true }, (req) => ({ json: (req.json as unknown[]).length }));
    assert.equal((await post(fake.httpUrl(), batch)).text, '2');
    assert.equal(fake.count({ batch: true }), 2);
    assert.equal(fake.count({ batch: false }), 0);
  });

  it('delays, hangs, drops and cuts answers mid-body', async () => {
    fake.reply({ method: 'slow' }, { result: 'slow', delayMs: 100 });
    fake.reply({ method: 'hang' }, { hang: true });
    fake.reply({ method: 'drop' }, { drop: true });
    fake.reply({ method: 'half' }, { result: 'x'.repeat(10_000), drop: 'mid-body' });
    const body = (method: string): { jsonrpc: string; id: number; method: string } => ({ jsonrpc: '2.0', id: 1, method });
    assert.match((await post(fake.httpUrl(), body('slow'))).text, /"slow"/);
    await assert.rejects(post(fake.httpUrl(), body('drop')));
    await assert.rejects(post(fake.httpUrl(), body('half')).then((r) => r.text));
    const hung = post(fake.httpUrl(), body('hang')).catch((e: unknown) => e);
    await waitFor(() => fake.count({ method: 'hang' }) === 1);
    assert.ok(fake.connections >= 1);
    fake.dropConnections();
    assert.ok((await hung) instanceof Error, 'a hung request fails when connections are dropped');
    await waitFor(() => fake.connections === 0);
  });

  it('speaks JSON-RPC over WebSocket, with extra messages from the handler', async () => {
    fake.on({ transport: 'ws', method: 'push' }, (req, ctx) => {
      ctx.send('{"note":"extra"}');
      return { result: req.path };
    });
    const received = await wsExchange(fake.wsUrl('/ws?x=1'), [JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'push' })], 2);
    assert.deepEqual(received.map((r) => JSON.parse(r) as unknown), [{ note: 'extra' }, { jsonrpc: '2.0', id: 5, result: '/ws?x=1' }]);
    assert.equal(fake.requests[0]?.transport, 'ws');
    assert.equal(fake.requests[0]?.httpMethod, 'MESSAGE');
    assert.equal(fake.count({ transport: 'http' }), 0);
    await waitFor(() => fake.wsConnections === 0);
  });

  it('listens on a given port, and waitFor reports what it waited for', async () => {
    const port = await freePort();
    const fixed = await startFakeUpstream({ port });
    try {
      assert.equal(fixed.port, port);
      assert.equal(fixed.httpUrl('/x'), `http://127.0.0.1:${port}/x`);
    } finally {
      await fixed.close();
    }
    await assert.rejects(waitFor(() => false, { timeoutMs: 50, message: 'the impossible' }), /the impossible not met within 50 ms/);
  });

  it('uses the handler option for requests no route matches', async () => {
    const custom = await startFakeUpstream({ handler: () => ({ result: 'custom' }) });
    try {
      assert.match((await post(custom.httpUrl(), { jsonrpc: '2.0', id: 1, method: 'x' })).text, /"custom"/);
    } finally {
      await custom.close();
    }
  });
});
