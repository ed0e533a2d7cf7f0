// The upstream of the realistic mix: an HTTP JSON-RPC server answering like a Steem node from
// the make-believe chain of steem-chain.ts (blocks, global properties, accounts, content...).
// Unknown methods get the JSON-RPC error a node gives.

import { createServer } from 'node:http';
import { callOf, chainResult, type ChainClock } from '../steem-chain.js';
import { readServerConfig, serve } from './serve.js';

interface Config {
  readonly port: number;
  readonly workers: number;
  readonly clock: ChainClock;
}

const config = readServerConfig<Config>();

function answer(request: unknown, now: number): string {
  if (typeof request !== 'object' || request === null) return '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}';
  const r = request as { id?: unknown; method?: unknown; params?: unknown };
  const id = JSON.stringify(r.id ?? null);
  const { api, method, args } = callOf(r);
  const result = chainResult(api, method, args, config.clock, now);
  if (result === undefined) return `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: ${method.replace(/[^\w.]/g, '')}"},"id":${id}}`;
  return `{"jsonrpc":"2.0","result":${result},"id":${id}}`;
}

serve(config.workers, async () => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: string;
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const now = Date.now();
        body = Array.isArray(parsed) ? `[${parsed.map((p) => answer(p, now)).join(',')}]` : answer(parsed, now);
      } catch {
        body = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}';
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 300_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => resolve());
  });
});
