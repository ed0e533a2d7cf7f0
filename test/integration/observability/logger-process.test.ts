// The logger on the real file descriptors of a real process: configured from the environment,
// every line is out when the process exits straight after logging, `both` writes each line to
// stdout and stderr, and a closed stdout does not crash the process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const here = fileURLToPath(import.meta.url);
const writer = fileURLToPath(new URL(`./fixtures/log-writer${extname(here)}`, import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runWriter(env: Record<string, string>, options: { closeStdout?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, writer], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (options.closeStdout === true) child.stdout.destroy();
    else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('log writer did not exit'));
    }, 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // Let the pipes drain what the process wrote before it exited.
      setImmediate(() => resolve({ code, stdout, stderr }));
    });
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('logger in a process', () => {
  it('has every line out when the process exits right after logging (LOG_OUTPUT=both)', async () => {
    const run = await runWriter({ LOG_OUTPUT: 'both', LOG_LEVEL: 'info', LOG_TIMESTAMP_FORMAT: 'rfc3339nano', JUSSI_TEST_LINES: '500', JUSSI_TEST_PADDING: '200' });
    assert.equal(run.code, 0, run.stderr.slice(0, 500));
    const out = jsonLines(run.stdout);
    const err = jsonLines(run.stderr);
    assert.equal(out.length, 500);
    assert.equal(err.length, 500);
    assert.deepEqual(out.map((l) => l['message']), Array.from({ length: 500 }, (_, i) => `line ${i}`));
    const first = out[0] ?? {};
    assert.equal(first['level'], 'INFO');
    assert.equal(first['service'], 'jussi');
    assert.equal(first['worker'], 1);
    assert.match(String(first['timestamp']), /\.\d{9}Z$/);
    assert.ok(!run.stdout.includes('topsecret') && !run.stderr.includes('topsecret'));
  });

  it('writes readable text lines to stderr only (LOG_FORMAT=text, LOG_OUTPUT=stderr)', async () => {
    const run = await runWriter({ LOG_OUTPUT: 'stderr', LOG_FORMAT: 'text', JUSSI_TEST_LINES: '3' });
    assert.equal(run.code, 0);
    assert.equal(run.stdout, '');
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 3);
    assert.match(lines[2] ?? '', /^\[.+\] INFO: line 2 \{.*"request_id":"r2"/);
  });

  it('survives a closed stdout (EPIPE) and still exits normally', async () => {
    const run = await runWriter({ LOG_OUTPUT: 'stdout', JUSSI_TEST_LINES: '2000', JUSSI_TEST_PADDING: '1000' }, { closeStdout: true });
    assert.equal(run.code, 0, run.stderr.slice(0, 500));
  });
});
