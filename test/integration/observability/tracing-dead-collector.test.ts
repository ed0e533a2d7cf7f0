// A collector that is not there costs dropped spans and nothing else: requests served by a real
// HTTP server that traces every request all succeed, nothing rejects unhandled, the failure is
// logged (rate-limited), and flush and shutdown return within their bound.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@jussi/proxy/observability/logger';
import { SpanAttribute, SpanName } from '@jussi/proxy/observability/span-names';
import { startTracing, type ManagedTracer } from '@jussi/proxy/observability/tracing';

const problems: unknown[] = [];
const onProblem = (e: unknown): void => {
  problems.push(e);
};
const logLines: Record<string, unknown>[] = [];

let tracer: ManagedTracer;
let server: Server;
let serverUrl: string;

async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  process.on('unhandledRejection', onProblem);
  process.on('uncaughtException', onProblem);
  process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = `http://127.0.0.1:${await closedPort()}`;
  process.env['OTEL_BSP_SCHEDULE_DELAY'] = '50';
  process.env['OTEL_BSP_MAX_QUEUE_SIZE'] = '64';
  process.env['OTEL_EXPORTER_OTLP_TIMEOUT'] = '500';
  const logger = createLogger(
    { level: 'INFO', format: 'json', output: 'stdout', includeCaller: false, timestampFormat: 'rfc3339', accessSampleRate: 1 },
    { stdout: { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) } },
  );
  tracer = await startTracing({ enabled: true, serviceName: 'jussi' }, { logger, errorLogIntervalMs: 60_000, shutdownTimeoutMs: 1_000 });
  assert.equal(tracer.enabled, true);

  // A stand-in for the proxy: every request gets a server span and children.
  server = createServer((req, res) => {
    const span = tracer.startRequest(req.headers['traceparent'] as string | undefined, undefined);
    const parse = tracer.startChild(span, SpanName.parse);
    parse.end();
    const call = tracer.startChild(span, SpanName.upstreamHttp, { [SpanAttribute.upstreamUrl]: 'http://upstream' });
    call.end();
    span.end();
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: span.traceId }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  process.off('unhandledRejection', onProblem);
  process.off('uncaughtException', onProblem);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('tracing with a dead collector', () => {
  it('serves every request, drops spans, logs the failure once, and shuts down within its bound', async () => {
    // Far more spans than the queue holds, so the processor must drop, not grow.
    for (let round = 0; round < 5; round++) {
      const replies = await Promise.all(
        Array.from({ length: 40 }, () => fetch(serverUrl, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"x"}' })),
      );
      for (const reply of replies) {
        assert.equal(reply.status, 200);
        const body = (await reply.json()) as { result: string };
        assert.match(body.result, /^[0-9a-f]{32}$/);
      }
    }

    await until(() => logLines.length > 0, 30_000, 'the export failure to be logged');
    const warning = logLines[0] ?? {};
    assert.equal(warning['level'], 'WARN');
    assert.match(String(warning['message']), /^tracing: /);

    const flushStarted = Date.now();
    await tracer.flush();
    assert.ok(Date.now() - flushStarted < 10_000, 'flush is bounded (1 s configured)');
    const shutdownStarted = Date.now();
    await tracer.shutdown();
    assert.ok(Date.now() - shutdownStarted < 10_000, 'shutdown is bounded (1 s configured)');

    // Still serving after tracing stopped.
    const reply = await fetch(serverUrl, { method: 'POST', body: '{}' });
    assert.equal(reply.status, 200);
    await reply.arrayBuffer();

    // Give late export callbacks a moment to surface any unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(problems, []);
    assert.ok(logLines.length <= 2, `rate-limited: ${logLines.length} lines`);
  });
});
