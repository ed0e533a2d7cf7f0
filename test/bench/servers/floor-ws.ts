// Floor for the WebSocket pass-through: a bare fastify server that sends each request over one
// of a few `ws` connections with an id of its own, matches the answer by id and gives it the
// client's id back: the least a Node HTTP-to-WebSocket proxy must do.

import Fastify from 'fastify';
import WebSocket from 'ws';
import { readServerConfig, serve } from './serve.js';

interface Config {
  readonly port: number;
  readonly workers: number;
  readonly upstream: string;
  readonly connections: number;
}

const config = readServerConfig<Config>();

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

serve(config.workers, async () => {
  const pending = new Map<number, (answer: Record<string, unknown>) => void>();
  const sockets = await Promise.all(Array.from({ length: config.connections }, () => open(config.upstream)));
  for (const ws of sockets) {
    ws.on('message', (data: Buffer) => {
      const answer = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      const id = answer['id'];
      const done = typeof id === 'number' ? pending.get(id) : undefined;
      if (done === undefined) return;
      pending.delete(id as number);
      done(answer);
    });
    ws.on('close', () => process.exit(1));
  }
  let next = 1;
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/', async (request, reply) => {
    const call = JSON.parse((request.body as Buffer).toString('utf8')) as Record<string, unknown>;
    const clientId = call['id'];
    const id = next++;
    call['id'] = id;
    const answer = await new Promise<Record<string, unknown>>((resolve) => {
      pending.set(id, resolve);
      (sockets[id % sockets.length] as WebSocket).send(JSON.stringify(call));
    });
    answer['id'] = clientId;
    reply.header('content-type', 'application/json');
    return JSON.stringify(answer);
  });
  await app.listen({ host: '127.0.0.1', port: config.port });
});
