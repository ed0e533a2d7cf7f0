// The `helm test` pod's script, taken from the rendered chart and run with node against real
// local servers: it passes on any JSON-RPC envelope (result or error) and fails on a body that is
// not one, or when nothing answers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { findObject, renderObjects } from './support/helm.js';
import { asArray, asRecord, asStrings, at, envOf } from './support/objects.js';

interface RunResult { readonly code: number | null; readonly output: string }

const pod = findObject(renderObjects({ set: { 'tests.method': 'condenser_api.get_config' } }), 'Pod', 'jussi-test-jsonrpc');
const container = asRecord(asArray(at(pod, 'spec', 'containers'))[0]);

async function runScript(url: string, timeoutSeconds: number): Promise<RunResult> {
  const [cmd, ...flags] = asStrings(container['command']);
  const env = Object.fromEntries([...envOf(container)].map(([k, v]) => [k, v ?? '']));
  const child = spawn(cmd === 'node' ? process.execPath : String(cmd), [...flags, ...asStrings(container['args'])], {
    env: { ...process.env, ...env, TEST_URL: url, TEST_TIMEOUT_SECONDS: String(timeoutSeconds) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString('utf8'); });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

function serve(handler: (body: string) => { status: number; body: string }): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const r = handler(body);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('helm test pod script', () => {
  const servers: Server[] = [];
  let requests: unknown[] = [];
  let rpcResult: Server;
  let rpcError: Server;
  let notRpc: Server;
  before(async () => {
    rpcResult = await serve((body) => {
      requests.push(JSON.parse(body));
      return { status: 200, body: JSON.stringify({ jsonrpc: '2.0', id: 1, result: { ok: true } }) };
    });
    rpcError = await serve(() => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } }) }));
    notRpc = await serve(() => ({ status: 502, body: '<html>bad gateway</html>' }));
    servers.push(rpcResult, rpcError, notRpc);
  });
  after(() => { for (const s of servers) s.close(); });

  it('runs with the proxy image and reads the proxy Service URL from its env', () => {
    assert.equal(container['image'], 'ghcr.io/jussi-io/jussi:0.1.0');
    assert.equal(envOf(container).get('TEST_URL'), 'http://jussi-proxy.jussi-system.svc:9000/');
    assert.equal(pod?.metadata.annotations?.['helm.sh/hook'], 'test');
  });

  it('passes on a result, after POSTing the configured method as JSON-RPC 2.0', async () => {
    requests = [];
    const r = await runScript(urlOf(rpcResult), 20);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /ok: condenser_api\.get_config answered with a result/);
    assert.deepEqual(requests, [{ jsonrpc: '2.0', id: 1, method: 'condenser_api.get_config', params: [] }]);
  });

  it('passes on a JSON-RPC error envelope (the proxy answered)', async () => {
    const r = await runScript(urlOf(rpcError), 20);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /answered with error -32601: Method not found/);
  });

  it('fails on a body that is not JSON-RPC, saying what came back', async () => {
    const r = await runScript(urlOf(notRpc), 1);
    assert.equal(r.code, 1);
    assert.match(r.output, /fail: .* HTTP 502, not a JSON-RPC envelope: <html>bad gateway<\/html>/);
  });

  it('fails when nothing answers', async () => {
    const closed = await serve(() => ({ status: 200, body: '' }));
    const url = urlOf(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runScript(url, 1);
    assert.equal(r.code, 1);
    assert.match(r.output, /fail: .* transport error/);
  });
});
