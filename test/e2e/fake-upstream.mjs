// A fake JSON-RPC upstream for the kind e2e suite (runs in the cluster with the proxy image's
// node: `node /app/e2e/fake-upstream.mjs`). Like Contour's echo fixture, every answer says who
// served it and how often that exact call arrived, so a test can tell a cache hit from a miss:
//   result = { pod, method, params, hitCount }
// Special methods: `<ns>.fake_stats` (params [prefix]) returns the call counts of every method
// starting with prefix; get_dynamic_global_properties answers with block numbers (the proxy
// polls it for the last irreversible block). HTTP POST / and, when the image has `ws`,
// WebSocket on the same port. GET /health answers 200; GET /stats returns all counts.
import { createServer } from 'node:http';
import process from 'node:process';

const port = Number(process.env.PORT ?? '8080');
const pod = process.env.POD_NAME ?? process.env.HOSTNAME ?? 'fake-upstream';
const started = Date.now();
/** "method params-json" -> number of calls. */
const counts = new Map();

function countKey(method, params) {
  return `${method} ${JSON.stringify(params ?? null)}`;
}

function blockNumbers() {
  // One block every 3 s since start, like Steem; the last 20 are still reversible.
  const head = 1000 + Math.floor((Date.now() - started) / 3000);
  return { head_block_number: head, last_irreversible_block_num: head - 20 };
}

function isDgp(method, params) {
  if (typeof method !== 'string') return false;
  if (method.endsWith('get_dynamic_global_properties')) return true;
  return method === 'call' && Array.isArray(params) && params[1] === 'get_dynamic_global_properties';
}

/** One JSON-RPC response object for one request object (undefined for a notification). */
function answer(request) {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } };
  }
  const { id, method, params } = request;
  if (typeof method !== 'string') return { jsonrpc: '2.0', id: id ?? null, error: { code: -32600, message: 'Invalid Request' } };
  const key = countKey(method, params);
  const hitCount = (counts.get(key) ?? 0) + 1;
  counts.set(key, hitCount);
  if (id === undefined) return undefined;
  if (method.endsWith('.fake_stats')) {
    const prefix = Array.isArray(params) && typeof params[0] === 'string' ? params[0] : '';
    const selected = Object.fromEntries([...counts].filter(([k]) => k.startsWith(prefix)));
    return { jsonrpc: '2.0', id, result: { pod, counts: selected } };
  }
  if (isDgp(method, params)) {
    const { head_block_number, last_irreversible_block_num } = blockNumbers();
    return { jsonrpc: '2.0', id, result: { head_block_number, last_irreversible_block_num, time: new Date().toISOString().slice(0, 19), pod } };
  }
  if (method.endsWith('.fail')) return { jsonrpc: '2.0', id, error: { code: -32000, message: 'fake upstream failure', data: { pod } } };
  return { jsonrpc: '2.0', id, result: { pod, method, params: params ?? null, hitCount } };
}

/** The reply text for a request body, or undefined when nothing is to be sent. */
function reply(text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  }
  if (Array.isArray(parsed)) {
    const out = parsed.map(answer).filter((r) => r !== undefined);
    return out.length === 0 ? undefined : JSON.stringify(out);
  }
  const single = answer(parsed);
  return single === undefined ? undefined : JSON.stringify(single);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pod, counts: Object.fromEntries(counts) }));
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const out = reply(Buffer.concat(chunks).toString('utf8'));
    if (out === undefined) res.writeHead(204).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(out);
  });
  req.on('error', () => res.destroy());
});

try {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const out = reply(data.toString('utf8'));
      if (out !== undefined) socket.send(out);
    });
  });
  console.log('fake-upstream: WebSocket enabled');
} catch (err) {
  console.log(`fake-upstream: no WebSocket (${err instanceof Error ? err.message : String(err)})`);
}

server.listen(port, () => {
  const address = server.address();
  console.log(`fake-upstream ${pod} listening on ${typeof address === 'object' && address !== null ? address.port : port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
