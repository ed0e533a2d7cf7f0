import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUpstreamHosts } from '@jussi/proxy/config/dns-check';

describe('upstream host name check (JUSSI_TEST_UPSTREAM_URLS)', () => {
  it('accepts resolvable names and IP literals', async () => {
    const problems = await checkUpstreamHosts(['http://localhost:8090', 'ws://127.0.0.1:1/x', 'https://[::1]:443', 'wss://localhost/ws']);
    assert.deepEqual(problems, []);
  });

  it('names every URL whose host does not resolve (.invalid never resolves)', async () => {
    const problems = await checkUpstreamHosts(
      ['https://steemd.jussi-test.invalid', 'wss://steemd.jussi-test.invalid/ws', 'http://localhost:1', 'https://other.jussi-test.invalid'],
      { timeoutMs: 5000 },
    );
    assert.deepEqual(
      problems.map((p) => [p.url, p.host]),
      [
        ['https://steemd.jussi-test.invalid', 'steemd.jussi-test.invalid'],
        ['wss://steemd.jussi-test.invalid/ws', 'steemd.jussi-test.invalid'],
        ['https://other.jussi-test.invalid', 'other.jussi-test.invalid'],
      ],
    );
    for (const p of problems) assert.match(p.message, new RegExp(`^Invalid/unresolvable upstream hostname ${p.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
  });

  it('resolves each host once, concurrently, and gives up after the timeout', async () => {
    const asked: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const lookup = (host: string): Promise<unknown> => {
      asked.push(host);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // "slow" never answers: only the timeout can end it.
      return host === 'slow.example' ? new Promise(() => undefined) : Promise.resolve({ address: '192.0.2.1' }).finally(() => (inFlight -= 1));
    };
    const started = Date.now();
    const problems = await checkUpstreamHosts(['https://slow.example/a', 'https://slow.example/b', 'https://fast.example', 'https://fast.example/x'], {
      timeoutMs: 200,
      lookup,
    });
    assert.ok(Date.now() - started < 5000, 'the timeout fired');
    assert.deepEqual(asked.sort(), ['fast.example', 'slow.example']);
    assert.equal(maxInFlight, 2);
    assert.deepEqual(
      problems.map((p) => p.url),
      ['https://slow.example/a', 'https://slow.example/b'],
    );
    assert.match(problems[0]?.message ?? '', /did not resolve within 200 ms/);
  });

  it('reports a URL that has no host name', async () => {
    const problems = await checkUpstreamHosts(['not a url'], { lookup: () => Promise.resolve(null) });
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /not a URL with a host name/);
  });
});
