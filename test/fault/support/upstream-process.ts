// A fake JSON-RPC upstream as a process of its own, so a fault test can kill -9 it and start it
// again on the same port. HTTP and WebSocket on one port (test/support/fake-upstream), answering
// every call with an echo of its params. Behaviour from the environment:
//   PORT                    port to listen on (required)
//   DROP_MESSAGE_RATE       share of WebSocket calls never answered (the message is "lost")
//   DROP_CONNECTION_RATE    share of WebSocket calls whose connection is cut instead
//   BIG_BYTES               size of the string `*.big` calls are answered with
// GET /stats answers the counts of what was dropped, as JSON. Prints `listening <port>` when ready.

import { startFakeUpstream, type FakeReply } from '../../support/fake-upstream/index.js';

const port = Number(process.env['PORT']);
const dropMessageRate = Number(process.env['DROP_MESSAGE_RATE'] ?? 0);
const dropConnectionRate = Number(process.env['DROP_CONNECTION_RATE'] ?? 0);
const bigBytes = Number(process.env['BIG_BYTES'] ?? 0);

const stats = { calls: 0, droppedMessages: 0, droppedConnections: 0, big: 0 };
const big = bigBytes > 0 ? 'x'.repeat(bigBytes) : '';

const up = await startFakeUpstream({
  port,
  handler: (req): FakeReply => {
    stats.calls += 1;
    if (req.method?.endsWith('.big') === true && bigBytes > 0) {
      stats.big += 1;
      return { body: `{"jsonrpc":"2.0","id":${JSON.stringify(req.id ?? null)},"result":"${big}"}` };
    }
    if (req.transport === 'ws') {
      const draw = Math.random();
      if (draw < dropConnectionRate) {
        stats.droppedConnections += 1;
        return { drop: true };
      }
      if (draw < dropConnectionRate + dropMessageRate) {
        stats.droppedMessages += 1;
        return { hang: true };
      }
    }
    return { result: { method: req.method ?? null, params: req.params ?? null } };
  },
});
up.on({ path: '/stats' }, () => ({ json: stats, echoId: false }));
// The fake records every request; a long run must not grow without bound.
setInterval(() => up.reset(), 1000).unref();
process.stdout.write(`listening ${up.port}\n`);
process.on('SIGTERM', () => {
  void up.close().then(() => process.exit(0));
});
