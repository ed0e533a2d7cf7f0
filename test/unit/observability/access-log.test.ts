import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCESS_MESSAGE, createAccessLog } from '@jussi/proxy/observability/access-log';
import { createLogger } from '@jussi/proxy/observability/logger';
import type { LogSettings } from '@jussi/proxy/config/settings';

const SETTINGS: LogSettings = { level: 'INFO', format: 'json', output: 'stdout', includeCaller: false, timestampFormat: 'rfc3339', accessSampleRate: 1 };

function capture(level: LogSettings['level'] = 'INFO') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ ...SETTINGS, level }, { stdout: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) } });
  return { logger, lines };
}

/** A fixed sequence standing in for Math.random. */
function sequence(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

describe('access log', () => {
  it('writes one INFO line per request at rate 1', () => {
    const { logger, lines } = capture();
    const access = createAccessLog(logger, 1);
    for (let i = 0; i < 5; i++) access.log({ request_id: `r${i}`, duration_ms: i });
    assert.equal(lines.length, 5);
    assert.ok(lines.every((l) => l['level'] === 'INFO' && l['message'] === ACCESS_MESSAGE));
    assert.deepEqual(lines.map((l) => l['request_id']), ['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('samples successful requests by LOG_ACCESS_SAMPLE_RATE', () => {
    const table: ReadonlyArray<readonly [number, readonly number[], number]> = [
      // rate, random draws, lines expected out of 10 requests
      [0, [0], 0],
      [0.5, [0.1, 0.9], 5],
      [0.25, [0.0, 0.3, 0.6, 0.9], 3], // draws cycle: 0.0 logged, others not -> 3 of 10
      [1, [0.99], 10],
    ];
    for (const [rate, draws, expected] of table) {
      const { logger, lines } = capture();
      const access = createAccessLog(logger, rate, sequence(draws));
      for (let i = 0; i < 10; i++) access.log({ request_id: String(i) });
      assert.equal(lines.length, expected, `rate ${rate}`);
    }
  });

  it('always logs requests that ended in an error', () => {
    const { logger, lines } = capture();
    const access = createAccessLog(logger, 0, () => 0.99);
    access.log({ request_id: 'ok' });
    access.log({ request_id: 'bad', error: { type: 'RequestTimeout', message: 'Request Timeout', code: 1000 } });
    assert.deepEqual(lines.map((l) => l['request_id']), ['bad']);
  });

  it('is silent when LOG_LEVEL is above INFO, and clamps odd rates', () => {
    const quiet = capture('WARN');
    createAccessLog(quiet.logger, 1).log({ request_id: 'x' });
    assert.equal(quiet.lines.length, 0);
    const { logger, lines } = capture();
    createAccessLog(logger, 7).log({});
    createAccessLog(logger, Number.NaN).log({});
    createAccessLog(logger, -1, () => 0).log({});
    assert.equal(lines.length, 2);
  });
});
