// Rate limits shared through a real redis-server by two real proxy processes (the built CLI):
// together they serve a bucket once; refused calls get HTTP 429 with Retry-After and error
// 1900 naming the bucket, and only the refused items of a batch fail, in place. Killed Redis:
// each proxy limits locally at its share (shown in /state and the mode metric), and when Redis
// is back the buckets are shared again. The Lua script agrees with the TypeScript arithmetic.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { TAKE_SCRIPT, bucketKey, parseTakeReply, takeArguments } from '@jussi/proxy/edge/bucket-script';
import { limitsOf, take, type BucketState } from '@jussi/proxy/edge/token-bucket';
import { startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, spawnProxy, waitReady, type ChildProxy } from '../../support/proxy.js';
import { freePort, RedisServer } from '../../support/redis/redis-server.js';
import { parseExposition } from '../../unit/observability/prom-text.js';

const DEADLINE_MS = 20_000;

interface RateLimitsState {
  readonly mode: string;
  readonly peers: number;
  readonly limited: Record<string, number>;
}

async function rateLimitsOf(proxy: ChildProxy): Promise<RateLimitsState | null> {
  const res = await fetch(`${proxy.adminUrl}/state`);
  return ((await res.json()) as { rateLimits?: RateLimitsState | null }).rateLimits ?? null;
}

async function modeMetric(proxy: ChildProxy, mode: string): Promise<number> {
  const text = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
  return parseExposition(text).samples.find((s) => s.name === 'jussi_rate_limit_mode' && s.labels['mode'] === mode)?.value ?? -1;
}

function config(up: FakeUpstream, burst: number): unknown {
  return {
    upstreams: [{ name: 'appbase', urls: [['appbase', up.httpUrl('/')]], ttls: [['appbase', -1]], timeouts: [['appbase', 10]] }],
    edge: {
      // Each test calls as its own client, through X-Forwarded-For from this trusted loopback.
      trusted_proxies: ['127.0.0.1'],
      rate_limits: {
        buckets: [
          { name: 'per-client', key: 'client', limit: 1, period: 86400, burst },
          { name: 'never', key: 'client', limit: 1000, prefixes: ['appbase.nothing_api'] },
        ],
      },
    },
  };
}

const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'condenser_api.get_dynamic_global_properties', params: [] });
const as = (client: string) => ({ 'x-forwarded-for': client });

describe('rate limits shared by two proxies through one Redis', () => {
  let redis: RedisServer;
  let up: FakeUpstream;
  const proxies: ChildProxy[] = [];

  before(async () => {
    redis = await RedisServer.start();
    up = await startFakeUpstream();
    for (let i = 0; i < 2; i++) {
      const p = await spawnProxy(config(up, 10), {
        JUSSI_SERVER_PORT: String(await freePort()),
        JUSSI_ADMIN_PORT: String(await freePort()),
        JUSSI_REDIS_URL: redis.url,
        JUSSI_REDIS_SOCKET_TIMEOUT: '1',
      });
      proxies.push(p);
    }
    await Promise.all(proxies.map((p) => waitReady(p)));
  });

  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await up?.close();
    await redis?.stop();
  });

  it('serve the bucket once between them: 429, Retry-After and error 1900 for the rest', async () => {
    await waitFor(async () => (await Promise.all(proxies.map(rateLimitsOf))).every((r) => r?.mode === 'shared'), { timeoutMs: DEADLINE_MS, message: 'shared mode' });
    const answers = [];
    for (let i = 0; i < 16; i++) answers.push(await rpc((proxies[i % 2] as ChildProxy).url, call(i), as('198.51.100.1')));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(ok.length, 10, answers.map((a) => a.status).join(','));
    assert.equal(refused.length, 6);
    const first = refused[0];
    assert.ok(first !== undefined);
    assert.ok(Number(first.headers.get('retry-after')) >= 1);
    const error = (first.json as { id: number; error: { code: number; message: string; data: { reason: string; error_id: string } } });
    assert.equal(error.error.code, 1900);
    assert.equal(error.error.message, 'Rate limit exceeded');
    assert.match(error.error.data.reason, /^rate limit "per-client" exceeded/);
    assert.equal(typeof error.id, 'number');
    const limited = (await Promise.all(proxies.map(rateLimitsOf))).reduce((n, r) => n + (r?.limited['per-client'] ?? 0), 0);
    assert.equal(limited, 6);
  });

  it('a batch over the limit fails only the items over it, in place', async () => {
    assert.equal((await rpc((proxies[0] as ChildProxy).url, call(99), as('198.51.100.2'))).status, 200);
    const batch = Array.from({ length: 12 }, (_, i) => call(100 + i));
    const res = await rpc((proxies[1] as ChildProxy).url, batch, as('198.51.100.2'));
    assert.equal(res.status, 200);
    const items = res.json as { id: number; result?: unknown; error?: { code: number } }[];
    assert.deepEqual(items.map((i) => i.id), batch.map((b) => b.id));
    assert.deepEqual(items.map((i) => (i.error === undefined ? 'ok' : i.error.code)), [...Array(9).fill('ok'), 1900, 1900, 1900]);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    const all = await rpc((proxies[1] as ChildProxy).url, [call(200), call(201)], as('198.51.100.2'));
    assert.equal(all.status, 429, 'a batch refused whole is a 429');
  });

  it('Redis killed: each proxy limits locally at its share, then the buckets are shared again', async () => {
    await waitFor(async () => (await Promise.all(proxies.map(rateLimitsOf))).every((r) => r?.peers === 2), { timeoutMs: DEADLINE_MS, message: 'both proxies counted as peers' });
    await redis.kill();
    // Wait for what an operator sees: /state and the metric say local.
    for (const p of proxies) {
      await waitFor(async () => {
        await rpc(p.url, call(1), as('198.51.100.3')).catch(() => undefined);
        return (await rateLimitsOf(p))?.mode === 'local';
      }, { timeoutMs: DEADLINE_MS, message: 'local mode' });
      assert.equal(await modeMetric(p, 'local'), 1);
    }
    // Local buckets start full at the share: half of 10 in each proxy.
    let served = 0;
    for (let i = 0; i < 20; i++) if ((await rpc((proxies[i % 2] as ChildProxy).url, call(i), as('198.51.100.4'))).status === 200) served += 1;
    assert.equal(served, 10, 'twice the share of 5');
    await redis.restart();
    for (const p of proxies) {
      await waitFor(async () => {
        await rpc(p.url, call(1), as('198.51.100.5')).catch(() => undefined);
        return (await rateLimitsOf(p))?.mode === 'shared';
      }, { timeoutMs: DEADLINE_MS, message: 'shared mode again' });
      assert.equal(await modeMetric(p, 'shared'), 1);
    }
    await waitFor(async () => Number(await redis.command('EXISTS', bucketKey('per-client', '198.51.100.5'))) === 1, { timeoutMs: DEADLINE_MS, message: 'the bucket back in Redis' });
    // Shared again: the two proxies serve one bucket of 10 for a new client.
    let shared = 0;
    for (let i = 0; i < 16; i++) if ((await rpc((proxies[i % 2] as ChildProxy).url, call(i), as('198.51.100.6'))).status === 200) shared += 1;
    assert.equal(shared, 10);
  });
});

describe('the Redis script and the TypeScript arithmetic agree', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis?.stop();
  });

  it('on random sequences of takes', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ ratePerSecond: fc.double({ min: 0.01, max: 5000, noNaN: true }), burst: fc.integer({ min: 1, max: 1000 }) }),
        fc.array(fc.record({ advanceMs: fc.integer({ min: 0, max: 5000 }), wanted: fc.integer({ min: 0, max: 50 }) }), { minLength: 1, maxLength: 15 }),
        async ({ ratePerSecond, burst }, steps) => {
          run += 1;
          const limits = limitsOf(ratePerSecond, burst);
          const key = `test:agree:${run}`;
          let state: BucketState | undefined;
          let now = 1_700_000_000_000;
          for (const step of steps) {
            now += step.advanceMs;
            const expected = take(state, limits, now, step.wanted);
            state = expected.state;
            const reply = await redis.command('EVAL', TAKE_SCRIPT, ...takeArguments([{ key, limits, wanted: step.wanted }], now).map(String));
            const [got] = parseTakeReply(reply, 1);
            assert.deepEqual(got, { granted: expected.granted, waitMs: expected.waitMs });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
