// A tiny stand-in for a Steem/Hive API node, for trying the proxy without internet:
// `npm run demo-upstream` listens on 127.0.0.1:8090 (DEMO_UPSTREAM_PORT) and answers JSON-RPC
// over HTTP: get_dynamic_global_properties (the head block advances every 3 s, the last
// irreversible block trails it by 20), get_block / get_block_header (a block whose id encodes
// its number), and echoes anything else. Every answer says which method and params it saw.
import { createServer } from 'node:http';

const port = Number(process.env.DEMO_UPSTREAM_PORT ?? 8090);
const started = Date.now();
const headBlock = () => 1_000_000 + Math.floor((Date.now() - started) / 3000);
const blockId = (n) => n.toString(16).padStart(8, '0') + 'c0ffee'.repeat(5) + '00';

function methodOf(request) {
  // jussi's forms: `m`, `api.m`, `ns.api.m`, and `call` with [api, m, params].
  if (request.method === 'call' && Array.isArray(request.params)) return { method: String(request.params[1]), params: request.params[2] ?? [] };
  const parts = String(request.method).split('.');
  return { method: parts[parts.length - 1], params: request.params ?? [] };
}

function answer(request) {
  const { method, params } = methodOf(request);
  const num = Array.isArray(params) ? Number(params[0]) : Number(params?.block_num);
  switch (method) {
    case 'get_dynamic_global_properties': {
      const head = headBlock();
      return { head_block_number: head, head_block_id: blockId(head), last_irreversible_block_num: head - 20, time: new Date().toISOString().slice(0, 19) };
    }
    case 'get_block':
      return Number.isInteger(num) && num > 0 && num <= headBlock()
        ? { previous: blockId(num - 1), block_id: blockId(num), timestamp: new Date(started + num).toISOString().slice(0, 19), witness: 'demo', transactions: [] }
        : null;
    case 'get_block_header':
      return Number.isInteger(num) && num > 0 ? { previous: blockId(num - 1), timestamp: '2016-03-24T16:05:00', witness: 'demo' } : null;
    default:
      return { demo: true, method: request.method, params: request.params ?? null };
  }
}

function reply(request) {
  if (typeof request !== 'object' || request === null) return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } };
  return { jsonrpc: '2.0', id: request.id ?? null, result: answer(request) };
}

createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    let out;
    try {
      const parsed = JSON.parse(body);
      out = Array.isArray(parsed) ? parsed.map(reply) : reply(parsed);
    } catch {
      out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
}).listen(port, '127.0.0.1', () => console.log(`demo upstream: http://127.0.0.1:${port}/ (Ctrl-C to stop)`));
