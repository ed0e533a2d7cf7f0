// The WebSocket upstream: answers every JSON-RPC request with the fixed result and the
// request's own id (calls are matched by id, many in flight per connection).

import { WebSocketServer } from 'ws';
import { readServerConfig, serve } from './serve.js';

interface Config {
  readonly port: number;
  readonly workers: number;
  readonly result: string;
}

const config = readServerConfig<Config>();

serve(config.workers, async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: config.port, perMessageDeflate: false });
  server.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      let id: unknown = null;
      try {
        id = (JSON.parse(data.toString('utf8')) as { id?: unknown }).id ?? null;
      } catch {
        // answered with id null, like a node that cannot read the request
      }
      ws.send(`{"jsonrpc":"2.0","result":${config.result},"id":${JSON.stringify(id)}}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
});
