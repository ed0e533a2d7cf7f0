// Floor (a): a bare fastify server answering every POST with the same bytes as our cache hit,
// with no logic: the fastest a Node HTTP server can answer a cache hit on this machine.

import Fastify from 'fastify';
import { readServerConfig, serve } from './serve.js';

interface Config {
  readonly port: number;
  readonly workers: number;
  /** Answer body by request path. */
  readonly answers: Readonly<Record<string, string>>;
}

const config = readServerConfig<Config>();

serve(config.workers, async () => {
  const app = Fastify({ logger: false });
  // Like ours: the body is read as raw bytes whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  for (const [path, answer] of Object.entries(config.answers)) {
    app.post(path, async (_request, reply) => {
      reply.header('content-type', 'application/json');
      return answer;
    });
  }
  await app.listen({ host: '127.0.0.1', port: config.port });
});
