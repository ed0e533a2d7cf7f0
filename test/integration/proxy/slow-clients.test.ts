// Slow clients are cut by JUSSI_REQUEST_READ_TIMEOUT: a request whose headers or body trickle in
// is answered 408 (and its connection closed) within the timeout plus about half a second,
// not at Node's defaults (60 s for headers, checked every 30 s); a connection that never sends a
// byte is closed at the read timeout (Node would keep it for ever). A keep-alive connection idle
// between requests is not a slow request: it lives until JUSSI_KEEP_ALIVE_TIMEOUT.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { startTestProxy, type TestProxy } from '../../support/proxy.js';

const READ_TIMEOUT_S = 1;
/** The bound is the timeout plus 1 s; the rest is room for a loaded 2-core machine (the bug took 30 to 90 s). */
const CUT_WITHIN_MS = (READ_TIMEOUT_S + 1) * 1000 + 3000;

interface Trickle {
  readonly elapsedMs: number;
  readonly answer: string;
}

/** Sends `first`, then `drip` every `gapMs` until the proxy answers or closes. */
function trickle(port: number, first: string, drip: string, gapMs: number): Promise<Trickle> {
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => {
      if (first !== '') socket.write(first);
    });
    const timer = drip === '' ? null : setInterval(() => socket.write(drip), gapMs);
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (timer !== null) clearInterval(timer);
      resolve({ elapsedMs: Date.now() - started, answer });
    });
    // Never wait for ever: the bug this guards against held connections 30 to 90 s.
    setTimeout(() => socket.destroy(), 60_000).unref();
  });
}

describe('slow clients', () => {
  let up: FakeUpstream;
  let proxy: TestProxy;
  let port: number;

  before(async () => {
    up = await startFakeUpstream();
    proxy = await startTestProxy({ upstreams: [{ name: 'fast', urls: [['fast', up.httpUrl('/')]], ttls: [], timeouts: [] }] }, { JUSSI_REQUEST_READ_TIMEOUT: String(READ_TIMEOUT_S) });
    port = Number(new URL(proxy.url).port);
  });
  after(async () => {
    await proxy?.stop();
    await up?.close();
  });

  const cases = [
    { what: 'headers that trickle in', first: 'POST / HTTP/1.1\r\nHost: x\r\n', drip: 'X-Slow: 1\r\n' },
    { what: 'a body that trickles in', first: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n', drip: ' ' },
    { what: 'a connection that sends nothing', first: '', drip: '' },
  ];
  for (const c of cases) {
    it(`answers 408 and closes ${c.what} within the read timeout plus about a second`, async () => {
      const r = await trickle(port, c.first, c.drip, 200);
      console.log(`# ${c.what}: cut after ${r.elapsedMs} ms (JUSSI_REQUEST_READ_TIMEOUT ${READ_TIMEOUT_S} s)`);
      assert.ok(r.elapsedMs >= READ_TIMEOUT_S * 1000 - 50, `not before the timeout (${r.elapsedMs} ms)`);
      assert.ok(r.elapsedMs < CUT_WITHIN_MS, `cut after ${r.elapsedMs} ms`);
      if (r.answer !== '') assert.match(r.answer, /^HTTP\/1\.1 408 /);
    });
  }

  it('keeps an idle keep-alive connection past the read timeout and serves its next request', async () => {
    const answers = await new Promise<string>((resolve) => {
      let text = '';
      let sentSecond = false;
      const request = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 45\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"fast.ping"}';
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        const done = (text.match(/HTTP\/1\.1 200 /g) ?? []).length;
        if (done === 1 && !sentSecond) {
          sentSecond = true;
          // Idle for twice the read timeout, then reuse the connection.
          setTimeout(() => socket.write(request), READ_TIMEOUT_S * 2000);
        } else if (done === 2 && text.trimEnd().endsWith('}')) {
          socket.destroy();
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    assert.equal((answers.match(/HTTP\/1\.1 200 /g) ?? []).length, 2, answers);
  });
});
