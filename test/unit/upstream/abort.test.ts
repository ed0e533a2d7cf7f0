import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abortError, abortKind, callAbortReason } from '@jussi/proxy/upstream/abort';
import { UpstreamError } from '@jussi/proxy/upstream/types';

describe('abort reason convention', () => {
  const table: readonly (readonly [string, unknown, 'timeout' | 'aborted'])[] = [
    ['callAbortReason timeout', callAbortReason('timeout'), 'timeout'],
    ['callAbortReason aborted', callAbortReason('aborted', 'client went away'), 'aborted'],
    ['AbortSignal.timeout reason', new DOMException('signal timed out', 'TimeoutError'), 'timeout'],
    ['AbortController default reason', new DOMException('This operation was aborted', 'AbortError'), 'aborted'],
    ['any other error', new Error('x'), 'aborted'],
    ['a string', 'bye', 'aborted'],
    ['undefined', undefined, 'aborted'],
  ];
  for (const [name, reason, kind] of table) {
    it(`${name} -> ${kind}`, () => assert.equal(abortKind(reason), kind));
  }

  it('turns a fired signal into an UpstreamError of that kind', async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    const err = abortError(signal, 'http://host/');
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'timeout');
    assert.equal(err.url, 'http://host/');

    const c = new AbortController();
    c.abort(callAbortReason('aborted', 'client went away'));
    const aborted = abortError(c.signal, 'ws://host/');
    assert.equal(aborted.kind, 'aborted');
    assert.match(aborted.message, /client went away/);
  });
});
