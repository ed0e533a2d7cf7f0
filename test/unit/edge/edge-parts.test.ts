// The pure parts of the edge: client address behind trusted proxies, CORS origin matching and
// headers, API key files (hashed, never echoed), credentials from headers and never the URL,
// and the `edge` member of the config document with its path-naming problems.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { normaliseEdge, type CorsConfig } from '@jussi/proxy/config/edge-config';
import { ApiKeyStore } from '@jussi/proxy/edge/api-keys';
import { ClientAddressResolver } from '@jussi/proxy/edge/client-address';
import { CorsPolicy } from '@jussi/proxy/edge/cors';
import { credentialsFrom } from '@jussi/proxy/edge/credentials';
import { rateLimitedError, retryAfterSeconds } from '@jussi/proxy/edge/denial';

function headersOf(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) out[list[i] as string] = list[i + 1] as string;
  return out;
}

describe('client address', () => {
  const r = new ClientAddressResolver(['10.0.0.0/8', '::1/128']);
  it('is the socket peer unless the peer is trusted', () => {
    assert.equal(r.resolve('203.0.113.9', '1.1.1.1'), '203.0.113.9');
    assert.equal(r.resolve('::ffff:203.0.113.9', undefined), '203.0.113.9');
    assert.equal(new ClientAddressResolver([]).resolve('10.1.1.1', '1.1.1.1'), '10.1.1.1');
  });
  it('reads X-Forwarded-For from the right, skipping trusted hops, never believing what the client wrote', () => {
    assert.equal(r.resolve('10.0.0.5', '198.51.100.7'), '198.51.100.7');
    assert.equal(r.resolve('10.0.0.5', '6.6.6.6, 198.51.100.7, 10.2.3.4'), '198.51.100.7');
    assert.equal(r.resolve('::1', ['6.6.6.6', '198.51.100.7:4431']), '198.51.100.7');
    assert.equal(r.resolve('10.0.0.5', '10.9.9.9, 10.8.8.8'), '10.9.9.9');
    assert.equal(r.resolve('10.0.0.5', 'garbage, 10.8.8.8'), '10.8.8.8');
    assert.equal(r.resolve('10.0.0.5', '[2001:db8::1]:443'), '2001:db8::1');
  });
});

describe('CORS', () => {
  const config = (over: Partial<CorsConfig> = {}): CorsConfig => ({
    allowedOrigins: ['https://condenser.example', 'https://*.hive.example'],
    allowedMethods: ['POST', 'GET', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization'],
    exposeHeaders: ['x-jussi-request-id'],
    maxAgeSeconds: 600,
    allowCredentials: false,
    ...over,
  });
  it('matches exact origins and wildcard subdomains only', () => {
    const p = new CorsPolicy(config());
    assert.ok(p.allows('https://condenser.example'));
    assert.ok(p.allows('https://a.hive.example'));
    assert.ok(p.allows('https://a.b.hive.example'));
    assert.ok(!p.allows('https://hive.example'));
    assert.ok(!p.allows('https://evilhive.example'));
    assert.ok(!p.allows('http://a.hive.example'));
    assert.ok(!p.allows('https://a.hive.example:8443'));
    assert.ok(!p.allows('https://condenser.example.evil'));
  });
  it('answers an allowed origin with its CORS headers and Vary; a disallowed one with Vary only', () => {
    const p = new CorsPolicy(config());
    assert.deepEqual(headersOf(p.answerHeaders('https://a.hive.example')), {
      'access-control-allow-origin': 'https://a.hive.example',
      vary: 'Origin',
      'access-control-expose-headers': 'x-jussi-request-id',
    });
    assert.deepEqual(headersOf(p.answerHeaders('https://evil.example')), { vary: 'Origin' });
    assert.deepEqual(headersOf(p.answerHeaders(undefined)), { vary: 'Origin' });
  });
  it('answers "*" for any origin without credentials, and echoes the origin with credentials', () => {
    assert.equal(headersOf(new CorsPolicy(config({ allowedOrigins: ['*'] })).answerHeaders('https://x.example'))['access-control-allow-origin'], '*');
    const creds = headersOf(new CorsPolicy(config({ allowedOrigins: ['*'], allowCredentials: true })).answerHeaders('https://x.example'));
    assert.equal(creds['access-control-allow-origin'], 'https://x.example');
    assert.equal(creds['access-control-allow-credentials'], 'true');
  });
  it('preflights allowed methods only, with max-age and allowed headers (or the requested ones for "*")', () => {
    const p = new CorsPolicy(config());
    const ok = headersOf(p.preflightHeaders('https://condenser.example', 'POST', 'content-type'));
    assert.equal(ok['access-control-allow-methods'], 'POST, GET, OPTIONS');
    assert.equal(ok['access-control-allow-headers'], 'content-type, authorization');
    assert.equal(ok['access-control-max-age'], '600');
    assert.equal(headersOf(p.preflightHeaders('https://condenser.example', 'DELETE', undefined))['access-control-allow-origin'], undefined);
    const echo = headersOf(new CorsPolicy(config({ allowedHeaders: null })).preflightHeaders('https://condenser.example', 'POST', 'x-custom, content-type'));
    assert.equal(echo['access-control-allow-headers'], 'x-custom, content-type');
  });
});

describe('API key files', () => {
  const key = 'k3y-0123456789abcdef';
  const hashed = createHash('sha256').update('other-0123456789abcdef').digest('hex');
  it('finds keys by value, also pre-hashed ones, and reports bad lines by number without the key', () => {
    const { store, problems } = ApiKeyStore.parse(`# name tier key\nalice gold ${key}\n\nbob silver sha256:${hashed}\nshort free abc\nalice gold another-0123456789abcdef\nbroken line\n`);
    assert.deepEqual(store.lookup(key), { name: 'alice', tier: 'gold' });
    assert.deepEqual(store.lookup('other-0123456789abcdef'), { name: 'bob', tier: 'silver' });
    assert.equal(store.lookup('nope-0123456789abcdef'), null);
    assert.deepEqual(problems.map((p) => p.line), [5, 6, 7]);
    assert.ok(problems.every((p) => !p.message.includes('abc') && !p.message.includes('another')));
    assert.equal(store.size, 2);
  });
});

describe('credentials', () => {
  it('reads Bearer and X-Api-Key; a dotted bearer is a JWT', () => {
    assert.deepEqual(credentialsFrom({ authorization: 'Bearer abc' }, '/'), { kind: 'api_key', key: 'abc' });
    assert.deepEqual(credentialsFrom({ authorization: 'bearer a.b.c' }, '/'), { kind: 'jwt', token: 'a.b.c' });
    assert.deepEqual(credentialsFrom({ 'x-api-key': ' k ' }, '/'), { kind: 'api_key', key: 'k' });
    assert.deepEqual(credentialsFrom({}, '/'), { kind: 'none' });
    assert.equal(credentialsFrom({ authorization: 'Basic dXNlcjpwdw==' }, '/').kind, 'malformed');
  });
  it('refuses credentials in the URL', () => {
    const c = credentialsFrom({}, '/?api_key=secret');
    assert.equal(c.kind, 'malformed');
    assert.match(c.kind === 'malformed' ? c.reason : '', /URL/);
    assert.equal(credentialsFrom({}, '/?foo=1').kind, 'none');
  });
});

describe('rate-limit error', () => {
  it('names the bucket and its limit; Retry-After is whole seconds, at least 1', () => {
    const e = rateLimitedError({ bucket: { name: 'broadcast', key: 'client', ratePerSecond: 0.2, burst: 5, prefixes: [], tiers: null }, retryAfterMs: 4001 });
    assert.equal(e.code, 1900);
    assert.equal(e.message, 'Rate limit exceeded');
    assert.equal(e.reason, 'rate limit "broadcast" exceeded: 1 call every 5 seconds per client address, bursts of 5; retry after 5 s');
    assert.equal(retryAfterSeconds(1), 1);
    assert.equal(retryAfterSeconds(0), 1);
  });
});

describe('config document: the edge member', () => {
  const upstreams = [{ name: 'appbase', urls: [['appbase', 'https://a.example']], ttls: [], timeouts: [] }];
  const load = (edge: unknown) => loadConfigDocument(JSON.stringify({ upstreams, edge }));
  it('loads a full edge member with defaults filled in', () => {
    const r = load({
      trusted_proxies: ['10.0.0.0/8'],
      rate_limits: { buckets: [{ name: 'per-client', key: 'client', limit: 60, period: 60 }] },
      cors: { allowed_origins: ['*'] },
      security_headers: { enabled: true },
      auth: { mode: 'optional', api_keys: { file: '/etc/jussi/api-keys/keys' }, jwt: { algorithms: ['RS256'], jwks_url: 'https://id.example/jwks.json' } },
    });
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
    const e = r.config.edge;
    assert.equal(e?.buckets[0]?.ratePerSecond, 1);
    assert.equal(e?.buckets[0]?.burst, 60);
    assert.equal(e?.auth.anonymousTier, 'anonymous');
    assert.equal(e?.auth.jwt?.clockSkewSeconds, 30);
  });
  it('a document without edge loads as before, with no edge', () => {
    const r = loadConfigDocument(JSON.stringify({ upstreams }));
    assert.ok(r.ok);
    assert.equal(r.config.edge, null);
  });
  it('names the JSON path of every problem', () => {
    const problems = (edge: unknown): string[] => {
      const r = load(edge);
      return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
    };
    assert.match(problems({ rate_limits: { buckets: [{ name: 'Bad Name', key: 'client', limit: 1 }] } })[0] ?? '', /^\/edge\/rate_limits\/buckets\/0\/name: expected a bucket name/);
    assert.match(problems({ rate_limits: { buckets: [{ name: 'a', key: 'ip', limit: 1 }] } })[0] ?? '', /^\/edge\/rate_limits\/buckets\/0\/key: /);
    assert.match(problems({ rate_limits: { buckets: [{ name: 'a', key: 'client', limit: 1 }, { name: 'a', key: 'global', limit: 2 }] } })[0] ?? '', /^\/edge\/rate_limits\/buckets\/1\/name: bucket name "a" is already used/);
    assert.match(problems({ trusted_proxies: ['10.0.0.0/33'] })[0] ?? '', /^\/edge\/trusted_proxies\/0: expected a prefix length/);
    assert.match(problems({ cors: { allowed_origins: ['https://a.example/path'] } })[0] ?? '', /^\/edge\/cors\/allowed_origins\/0: /);
    assert.match(problems({ auth: { mode: 'maybe' } })[0] ?? '', /^\/edge\/auth\/mode: expected one of "off", "optional", "required"/);
    assert.match(problems({ auth: { mode: 'required', jwt: { algorithms: ['HS256'] } } })[0] ?? '', /^\/edge\/auth\/jwt: HS256 needs "secret_file"/);
    assert.match(problems({ auth: { mode: 'required', api_keys: { file: 'relative/path' } } })[0] ?? '', /^\/edge\/auth\/api_keys\/file: expected the API key file/);
    assert.match(problems({ auth: { mode: 'required', api_keys: { key: 'inline-secret' } } }).join('\n'), /unexpected member "key"/);
  });
  it('normalises trusted proxies and warns about credentials with "*"', () => {
    const c = { problems: [], warnings: [] } as { problems: { path: string; message: string }[]; warnings: { path: string; message: string }[] };
    normaliseEdge({ cors: { allowed_origins: ['*'], allow_credentials: true } }, c);
    assert.equal(c.warnings[0]?.path, '/edge/cors/allow_credentials');
  });
});
