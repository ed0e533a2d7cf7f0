import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogSettings } from '@jussi/proxy/config/settings';
import { createLogger, DEBUG_BODY_MAX_CHARS, truncateBody, type LogSink } from '@jussi/proxy/observability/logger';
import { rfc3339nano } from '@jussi/proxy/observability/log-timestamp';

const BASE: LogSettings = {
  level: 'INFO',
  format: 'json',
  output: 'stdout',
  includeCaller: false,
  timestampFormat: 'rfc3339',
  accessSampleRate: 1,
};

class Capture implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

function setup(overrides: Partial<LogSettings> = {}, worker?: number) {
  const stdout = new Capture();
  const stderr = new Capture();
  const logger = createLogger({ ...BASE, ...overrides }, worker === undefined ? { stdout, stderr } : { stdout, stderr, worker });
  return { logger, stdout, stderr };
}

describe('logger: JSON lines', () => {
  it('writes the seed field names, one complete line per call, synchronously', () => {
    const { logger, stdout } = setup();
    logger.info(
      {
        request_id: 'req-1',
        trace_id: '0af7651916cd43dd8448eb211c80319c',
        span_id: 'b7ad6b7169203331',
        namespace: 'steemd',
        api: 'database_api',
        method: 'get_block',
        upstream: 'https://api.steemit.com',
        cache_hit: false,
        duration_ms: 12.5,
        error: { type: 'ResponseTimeout', message: 'Response Timeout', code: 1050 },
      },
      'request',
    );
    // Written before the call returned: nothing is buffered.
    assert.equal(stdout.lines.length, 1);
    const line = stdout.lines[0] ?? '';
    assert.ok(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, 'exactly one line');
    const obj = JSON.parse(line) as Record<string, unknown>;
    assert.equal(obj['level'], 'INFO');
    assert.equal(obj['message'], 'request');
    assert.equal(obj['service'], 'jussi');
    assert.equal(obj['pid'], process.pid);
    assert.match(String(obj['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const key of ['request_id', 'trace_id', 'span_id', 'namespace', 'api', 'method', 'upstream', 'cache_hit', 'duration_ms']) {
      assert.ok(key in obj, `${key} missing`);
    }
    assert.deepEqual(obj['error'], { type: 'ResponseTimeout', message: 'Response Timeout', code: 1050 });
    assert.ok(!('msg' in obj) && !('time' in obj) && !('hostname' in obj), 'no pino default names');
  });

  it('adds the worker id when given', () => {
    const { logger, stdout } = setup({}, 3);
    logger.info({}, 'x');
    assert.equal(stdout.json()[0]?.['worker'], 3);
  });

  it('keeps a `worker` field of a line as is where the logger is not a worker\'s (the primary naming a worker)', () => {
    const { logger, stdout } = setup();
    logger.error({ worker: 2, code: 1 }, 'worker exited unexpectedly: restarting it');
    const line = stdout.json()[0] ?? {};
    assert.equal(line['worker'], 2);
    assert.ok(!('field_worker' in line));
    const inWorker = setup({}, 3);
    inWorker.logger.info({ worker: 9 }, 'x');
    assert.equal(inWorker.stdout.json()[0]?.['worker'], 3, 'a worker\'s own id wins in its lines');
    assert.equal(inWorker.stdout.json()[0]?.['field_worker'], 9);
  });

  it('upper-cases levels and filters below LOG_LEVEL', () => {
    const table: ReadonlyArray<readonly [LogSettings['level'], readonly string[]]> = [
      ['DEBUG', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
      ['INFO', ['INFO', 'WARN', 'ERROR']],
      ['WARN', ['WARN', 'ERROR']],
      ['ERROR', ['ERROR']],
    ];
    for (const [level, expected] of table) {
      const { logger, stdout } = setup({ level });
      logger.debug({}, 'd');
      logger.info({}, 'i');
      logger.warn({}, 'w');
      logger.error({}, 'e');
      assert.deepEqual(stdout.json().map((o) => o['level']), expected, `LOG_LEVEL=${level}`);
      assert.equal(logger.isDebugEnabled(), level === 'DEBUG');
    }
  });

  it('writes the three timestamp formats', () => {
    const before = Date.now() / 1000;
    const rfc = setup({ timestampFormat: 'rfc3339' });
    const nano = setup({ timestampFormat: 'rfc3339nano' });
    const unix = setup({ timestampFormat: 'unix' });
    for (const s of [rfc, nano, unix]) s.logger.info({}, 't');
    const after = Date.now() / 1000;
    assert.match(String(rfc.stdout.json()[0]?.['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const nanoText = String(nano.stdout.json()[0]?.['timestamp']);
    assert.match(nanoText, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const nanoSeconds = Date.parse(nanoText.replace(/(\.\d{3})\d{6}Z$/, '$1Z')) / 1000;
    assert.ok(nanoSeconds >= Math.floor(before) && nanoSeconds <= after + 1);
    const unixValue = unix.stdout.json()[0]?.['timestamp'];
    assert.equal(typeof unixValue, 'number');
    assert.ok((unixValue as number) >= before - 0.001 && (unixValue as number) <= after + 0.001);
  });

  it('formats nanosecond timestamps from the wall clock plus sub-millisecond digits', () => {
    assert.equal(rfc3339nano(Date.UTC(2024, 4, 1, 12, 0, 0, 123), 1_000_456_789n), '2024-05-01T12:00:00.123456789Z');
    assert.equal(rfc3339nano(Date.UTC(2024, 4, 1, 12, 0, 0, 5), 7n), '2024-05-01T12:00:00.005000007Z');
  });

  it('sends lines to stdout, stderr or both', () => {
    const out = setup({ output: 'stdout' });
    const err = setup({ output: 'stderr' });
    const both = setup({ output: 'both' });
    for (const s of [out, err, both]) {
      s.logger.debug({}, 'hidden');
      s.logger.info({}, 'one');
      s.logger.error({}, 'two');
    }
    assert.deepEqual([out.stdout.lines.length, out.stderr.lines.length], [2, 0]);
    assert.deepEqual([err.stdout.lines.length, err.stderr.lines.length], [0, 2]);
    assert.deepEqual([both.stdout.lines.length, both.stderr.lines.length], [2, 2]);
    assert.deepEqual(both.stdout.lines, both.stderr.lines);
  });

  it('renames fields that would collide with the line\'s own keys', () => {
    const { logger, stdout } = setup();
    logger.info({ message: 'inner', level: 'x', service: 'other' }, 'outer');
    const line = stdout.lines[0] ?? '';
    assert.equal((line.match(/"message":/g) ?? []).length, 1, line);
    const obj = JSON.parse(line) as Record<string, unknown>;
    assert.equal(obj['message'], 'outer');
    assert.equal(obj['level'], 'INFO');
    assert.equal(obj['service'], 'jussi');
    assert.equal(obj['field_message'], 'inner');
    assert.equal(obj['field_level'], 'x');
  });

  it('carries child bindings on every line', () => {
    const { logger, stdout } = setup();
    const child = logger.child({ request_id: 'abc', upstream: 'redis://:pw@r:6379' });
    child.warn({ method: 'get_block' }, 'slow');
    const obj = stdout.json()[0] ?? {};
    assert.equal(obj['request_id'], 'abc');
    assert.equal(obj['method'], 'get_block');
    assert.equal(obj['level'], 'WARN');
    assert.ok(!stdout.lines[0]?.includes(':pw@'));
  });
});

describe('logger: LOG_INCLUDE_CALLER', () => {
  it('adds file:line of the caller only when enabled', () => {
    const on = setup({ includeCaller: true });
    const off = setup({ includeCaller: false });
    on.logger.info({}, 'here');
    off.logger.info({}, 'here');
    assert.match(String(on.stdout.json()[0]?.['caller']), /test\/unit\/observability\/logger\.test\.ts:\d+$/);
    assert.ok(!('caller' in (off.stdout.json()[0] ?? {})));
    const child = on.logger.child({ a: 1 });
    child.error({}, 'from child');
    assert.match(String(on.stdout.json()[1]?.['caller']), /logger\.test\.ts:\d+$/);
  });
});

describe('logger: LOG_FORMAT=text', () => {
  it('writes one readable line per call', () => {
    const { logger, stdout } = setup({ format: 'text' });
    logger.warn({ request_id: 'r-9', duration_ms: 3 }, 'first line\nsecond line');
    assert.equal(stdout.lines.length, 1);
    const line = stdout.lines[0] ?? '';
    assert.ok(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, JSON.stringify(line));
    assert.match(line, /^\[\d{4}-\d\d-\d\dT[^\]]+\] WARN: first line\\nsecond line /);
    assert.ok(line.includes('"request_id":"r-9"'));
    assert.ok(!line.startsWith('{'));
  });
});

describe('logger: secrets', () => {
  const secrets = ['hunter2', 's3cr3t-token', 'pa55', 'abcdef123456', 'sessionid42', 'k3y'];
  const inputs: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
    [{ headers: { authorization: 'Bearer hunter2' } }, 'incoming'],
    [{ headers: { Authorization: 'Basic hunter2' } }, 'incoming'],
    [{ headers: { cookie: 'sid=sessionid42' } }, 'incoming'],
    [{ headers: { 'x-api-key': 'k3y' } }, 'incoming'],
    [{ redis: 'redis://:pa55@redis:6379' }, 'redis connect'],
    [{}, 'connecting to redis://default:pa55@redis:6379/0'],
    [{ upstream: 'https://api.example.com/?api_key=abcdef123456' }, 'upstream'],
    [{ config: { redis: { password: 'pa55' } } }, 'config'],
    [{ token: 's3cr3t-token' }, 'x'],
    [{ body: '{"jsonrpc":"2.0","method":"x","params":{"password":"hunter2"}}' }, 'body'],
    [{ error: { type: 'ReplyError', message: 'NOAUTH redis://:pa55@r failed' } }, 'redis error'],
  ];
  for (const format of ['json', 'text'] as const) {
    it(`never writes a secret (${format})`, () => {
      const { logger, stdout } = setup({ format, level: 'DEBUG' });
      for (const [fields, message] of inputs) {
        logger.info(fields, message);
        logger.child(fields).debug({}, message);
      }
      assert.equal(stdout.lines.length, inputs.length * 2);
      for (const line of stdout.lines) for (const secret of secrets) assert.ok(!line.includes(secret), `${secret} in ${line}`);
    });
  }
});

describe('logger: never throws', () => {
  it('survives a broken destination, cycles, BigInts and throwing getters', () => {
    const broken = createLogger(BASE, { stdout: { write: () => { throw new Error('EPIPE'); } } });
    assert.doesNotThrow(() => broken.error({}, 'lost'));
    assert.doesNotThrow(() => broken.flush());

    const { logger, stdout } = setup();
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic['self'] = cyclic;
    const hostile = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    assert.doesNotThrow(() => logger.info({ cyclic, big: 12345678901234567890n }, 'ok'));
    assert.doesNotThrow(() => logger.info({ hostile }, 'lost'));
    assert.doesNotThrow(() => logger.child({ hostile }).info({}, 'via parent'));
    const first = stdout.json()[0] ?? {};
    assert.equal(first['big'], '12345678901234567890');
    assert.ok(stdout.lines.length >= 2);
  });
});

describe('truncateBody', () => {
  it('keeps short bodies, cuts long ones with a note, and scrubs secrets before cutting', () => {
    assert.equal(truncateBody('{"a":1}'), '{"a":1}');
    const long = 'x'.repeat(DEBUG_BODY_MAX_CHARS + 10);
    assert.equal(truncateBody(long), `${'x'.repeat(DEBUG_BODY_MAX_CHARS)}...[truncated 10 chars]`);
    // The cut falls inside the secret: it is still hidden.
    const body = `{"password":"${'p'.repeat(50)}"}`;
    assert.ok(!truncateBody(body, 20).includes('ppp'));
    // A surrogate pair is never split.
    const emoji = truncateBody('ab\u{1F600}cd', 3);
    assert.equal(emoji, 'ab...[truncated 4 chars]');
  });
});
