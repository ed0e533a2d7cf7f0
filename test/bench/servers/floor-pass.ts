// Floor (b): a bare fastify server that forwards each body through one undici Pool and only
// rewrites the answer's id to the client's: the least a Node pass-through proxy must do.

import Fastify from 'fastify';
import { Pool } from 'undici';
import { readServerConfig, serve } from './serve.js';

interface Config {
  readonly port: number;
  readonly workers: number;
  /** Upstream origin and path. */
  readonly upstream: string;
  readonly connections: number;
}

const config = readServerConfig<Config>();

serve(config.workers, async () => {
  const target = new URL(config.upstream);
  const pool = new Pool(target.origin, { connections: config.connections });
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/', async (request, reply) => {
    const body = request.body as Buffer;
    const { id } = JSON.parse(body.toString('utf8')) as { id?: unknown };
    const res = await pool.request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json' }, body });
    const answer = JSON.parse(await res.body.text()) as Record<string, unknown>;
    answer['id'] = id;
    reply.header('content-type', 'application/json');
    return JSON.stringify(answer);
  });
  await app.listen({ host: '127.0.0.1', port: config.port });
});
