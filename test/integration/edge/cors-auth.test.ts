// CORS, security headers, API keys and JWT through the real proxy, from real HTTP clients:
// preflight answered without entering the JSON-RPC pipeline; allowed origins get CORS headers
// and Vary: Origin, disallowed ones none but are still served; 401 bodies with error 1910/1911
// and WWW-Authenticate; keys from a watched file pick their tier's buckets; RS256 tokens from a
// local JWKS server, including a key rotation.
import assert from 'node:assert/strict';
import { request as httpRequest, createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { rpc, startTestProxy, type TestProxy } from '../../support/proxy.js';

const DEADLINE_MS = 20_000;
const GOLD_KEY = 'gold-key-0123456789abcdef';
const FREE_KEY = 'free-key-0123456789abcdef';

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** node:http, so that Origin and every other header go out exactly as written. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CALL = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'condenser_api.get_dynamic_global_properties', params: [] });

class JwksServer {
  fetches = 0;
  keys: JWK[] = [];
  private constructor(private readonly server: Server, readonly url: string) {}
  static async start(): Promise<JwksServer> {
    let self: JwksServer | null = null;
    const server = createServer((_req, res) => {
      if (self === null) return;
      self.fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: self.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    self = new JwksServer(server, `http://127.0.0.1:${port}/jwks.json`);
    return self;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function signingKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function token(key: { privateKey: CryptoKey; jwk: JWK }, claims: Record<string, unknown> = {}, expiresIn = '5m'): Promise<string> {
  return new SignJWT({ tier: 'gold', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid as string })
    .setSubject('carol')
    .setIssuer('https://id.example')
    .setAudience('jussi')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key.privateKey);
}

describe('CORS, security headers, API keys and JWT at the edge', () => {
  let up: FakeUpstream;
  let proxy: TestProxy;
  let jwks: JwksServer;
  let dir: string;
  let keyFile: string;
  let first: { privateKey: CryptoKey; jwk: JWK };

  const config = (mode: 'optional' | 'required') => ({
    upstreams: [{ name: 'appbase', urls: [['appbase', up.httpUrl('/')]], ttls: [['appbase', -1]], timeouts: [['appbase', 10]] }],
    edge: {
      rate_limits: {
        buckets: [
          { name: 'anonymous', key: 'client', limit: 2, period: 86400, tiers: ['anonymous'] },
          { name: 'free', key: 'subject', limit: 1, period: 86400, tiers: ['free'] },
          { name: 'gold', key: 'subject', limit: 1000, tiers: ['gold'] },
        ],
      },
      cors: { allowed_origins: ['https://condenser.example', 'https://*.hive.example'], max_age: 300 },
      security_headers: { enabled: true },
      auth: {
        mode,
        api_keys: { file: keyFile },
        jwt: { algorithms: ['RS256'], jwks_url: jwks.url, issuer: 'https://id.example', audience: 'jussi', jwks_cooldown: 1, clock_skew: 5 },
      },
    },
  });

  before(async () => {
    up = await startFakeUpstream();
    jwks = await JwksServer.start();
    first = await signingKey('first');
    jwks.keys = [first.jwk];
    dir = mkdtempSync(join(tmpdir(), 'jussi-keys-'));
    keyFile = join(dir, 'keys');
    writeFileSync(keyFile, `alice gold ${GOLD_KEY}\nbob free ${FREE_KEY}\n`);
    proxy = await startTestProxy(config('optional'));
  });

  after(async () => {
    await proxy?.stop();
    await jwks?.close();
    await up?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a preflight itself, without entering the JSON-RPC pipeline', async () => {
    const before = up.requests.length;
    const res = await send(`${proxy.url}/`, 'OPTIONS', { origin: 'https://a.hive.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://a.hive.example');
    assert.equal(res.headers['access-control-allow-methods'], 'POST, GET, OPTIONS');
    assert.match(String(res.headers['access-control-allow-headers']), /authorization/);
    assert.equal(res.headers['access-control-max-age'], '300');
    assert.match(String(res.headers['vary']), /Origin/);
    assert.equal(res.headers['x-jussi-request-id'], undefined, 'the pipeline sets this on every answer it makes');
    assert.equal(res.body, '');
    assert.equal(up.requests.length, before);
    const denied = await send(`${proxy.url}/`, 'OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    assert.equal(denied.status, 204);
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
  });

  it('adds CORS headers for an allowed origin, none for another (still served), and security headers to both', async () => {
    const allowed = await send(`${proxy.url}/`, 'POST', { origin: 'https://condenser.example', 'x-api-key': GOLD_KEY }, CALL);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://condenser.example');
    assert.equal(allowed.headers['vary'], 'Origin');
    assert.match(String(allowed.headers['access-control-expose-headers']), /x-jussi-request-id/);
    const other = await send(`${proxy.url}/`, 'POST', { origin: 'https://evil.example', 'x-api-key': GOLD_KEY }, CALL);
    assert.equal(other.status, 200);
    assert.ok(JSON.parse(other.body).result !== undefined);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.equal(other.headers['vary'], 'Origin');
    for (const res of [allowed, other]) {
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    }
  });

  it('refuses bad credentials with 401, WWW-Authenticate and error 1911; never reads them from the URL', async () => {
    const bad = await send(`${proxy.url}/`, 'POST', { authorization: 'Bearer not-a-known-key-000000' }, CALL);
    assert.equal(bad.status, 401);
    assert.match(String(bad.headers['www-authenticate']), /^Bearer realm="jussi", error="invalid_token"/);
    const body = JSON.parse(bad.body) as { id: null; error: { code: number; message: string; data: { reason: string; error_id: string } } };
    assert.equal(body.error.code, 1911);
    assert.equal(body.error.message, 'Invalid credentials');
    assert.equal(body.error.data.reason, 'the API key is not known');
    assert.equal(bad.headers['x-jussi-error-id'], body.error.data.error_id);
    assert.ok(!bad.body.includes('not-a-known-key'));
    const inUrl = await send(`${proxy.url}/?api_key=${GOLD_KEY}`, 'POST', {}, CALL);
    assert.equal(inUrl.status, 401);
    assert.match(JSON.parse(inUrl.body).error.data.reason, /URL/);
    assert.ok(!proxy.logs.lines.some((l) => l.includes(GOLD_KEY) || l.includes(FREE_KEY)), 'keys never reach the log');
  });

  it('a key or token selects its tier, and with it the buckets that count its calls', async () => {
    const anonymous = [];
    for (let i = 0; i < 3; i++) anonymous.push((await rpc(proxy.url, CALL)).status);
    assert.deepEqual(anonymous, [200, 200, 429]);
    const free = [];
    for (let i = 0; i < 2; i++) free.push((await rpc(proxy.url, CALL, { 'x-api-key': FREE_KEY })).status);
    assert.deepEqual(free, [200, 429]);
    for (let i = 0; i < 5; i++) assert.equal((await rpc(proxy.url, CALL, { authorization: `Bearer ${GOLD_KEY}` })).status, 200);
    const jwt = await token(first);
    for (let i = 0; i < 5; i++) assert.equal((await rpc(proxy.url, CALL, { authorization: `Bearer ${jwt}` })).status, 200);
  });

  it('reloads the key file when it changes', async () => {
    const fresh = 'fresh-key-0123456789abcdef';
    assert.equal((await rpc(proxy.url, CALL, { 'x-api-key': fresh })).status, 401);
    writeFileSync(keyFile, `alice gold ${GOLD_KEY}\ndave gold ${fresh}\n`);
    await waitFor(async () => (await rpc(proxy.url, CALL, { 'x-api-key': fresh })).status === 200, { timeoutMs: DEADLINE_MS, message: 'the new key accepted' });
    assert.equal((await rpc(proxy.url, CALL, { 'x-api-key': FREE_KEY })).status, 401, 'a removed key is refused');
  });

  it('checks issuer, audience and expiry of tokens', async () => {
    const refusal = async (jwt: string): Promise<string> => {
      const res = await rpc(proxy.url, CALL, { authorization: `Bearer ${jwt}` });
      assert.equal(res.status, 401);
      return (res.json as { error: { data: { reason: string } } }).error.data.reason;
    };
    assert.equal(await refusal(await token(first, {}, '-1m')), 'the token has expired');
    assert.match(await refusal(await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'first' }).setSubject('x').setIssuer('https://other.example').setAudience('jussi').setExpirationTime('5m').sign(first.privateKey)), /"iss" claim/);
    assert.match(await refusal(await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'first' }).setSubject('x').setIssuer('https://id.example').setAudience('other').setExpirationTime('5m').sign(first.privateKey)), /"aud" claim/);
    const stranger = await signingKey('first');
    assert.equal(await refusal(await token(stranger)), 'the token signature is not valid');
    // Expired 3 s ago, within the 5 s of clock skew: accepted.
    const skewed = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'first' }).setSubject('x').setIssuer('https://id.example').setAudience('jussi').setExpirationTime(Math.floor(Date.now() / 1000) - 3).sign(first.privateKey);
    assert.equal((await rpc(proxy.url, CALL, { authorization: `Bearer ${skewed}` })).status, 200);
  });

  it('follows a key rotation of the JWKS, fetching it again at a bounded rate', async () => {
    const second = await signingKey('second');
    jwks.keys = [second.jwk];
    const jwt = await token(second);
    const fetchesBefore = jwks.fetches;
    // The first try may land inside the 1 s cooldown since the last fetch; then the set is fetched again.
    await waitFor(async () => (await rpc(proxy.url, CALL, { authorization: `Bearer ${jwt}` })).status === 200, { timeoutMs: DEADLINE_MS, message: 'the rotated key accepted' });
    assert.ok(jwks.fetches > fetchesBefore);
    const fetches = jwks.fetches;
    // Tokens of an unknown key do not make the proxy fetch on every call.
    const unknown = await token(await signingKey('unknown'));
    const started = Date.now();
    for (let i = 0; i < 20; i++) assert.equal((await rpc(proxy.url, CALL, { authorization: `Bearer ${unknown}` })).status, 401);
    // At most one fetch per cooldown (1 s) while the calls lasted, however many calls came.
    const allowed = 1 + Math.ceil((Date.now() - started) / 1000);
    assert.ok(jwks.fetches - fetches <= allowed, `${jwks.fetches - fetches} fetches for 20 calls in ${Date.now() - started} ms`);
  });

  it('in required mode, a call without credentials is refused with 1910', async () => {
    proxy.writeConfig(config('required'));
    await waitFor(async () => (await rpc(proxy.url, CALL)).status === 401, { timeoutMs: DEADLINE_MS, message: 'required mode' });
    const res = await send(`${proxy.url}/`, 'POST', { origin: 'https://condenser.example' }, CALL);
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="jussi"');
    assert.equal(res.headers['access-control-allow-origin'], 'https://condenser.example', 'a browser can read the refusal');
    const body = JSON.parse(res.body) as { error: { code: number; message: string } };
    assert.deepEqual([body.error.code, body.error.message], [1910, 'Authentication required']);
    assert.equal((await rpc(proxy.url, CALL, { 'x-api-key': GOLD_KEY })).status, 200);
  });
});
