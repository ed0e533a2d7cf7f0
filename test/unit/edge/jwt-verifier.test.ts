// JWT verification with key files: HS256 with a shared secret file, ES256 and RS256 with a PEM
// public key file; algorithms not listed are refused; a tier claim that is not a tier name is
// refused; clock skew is honoured. (JWKS and rotation: test/integration/edge/cors-auth.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { DEFAULT_AUTHENTICATED_TIER, type JwtConfig } from '@jussi/proxy/config/edge-config';
import { JwtVerifier } from '@jussi/proxy/edge/jwt-verifier';

const dir = mkdtempSync(join(tmpdir(), 'jussi-jwt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function config(over: Partial<JwtConfig>): JwtConfig {
  return {
    algorithms: ['HS256'], issuer: null, audience: null, jwksUrl: null, publicKeyFile: null, secretFile: null,
    clockSkewSeconds: 30, tierClaim: 'tier', defaultTier: DEFAULT_AUTHENTICATED_TIER, jwksCooldownSeconds: 30, jwksMaxAgeSeconds: 600, ...over,
  };
}

describe('JWT verifier with key files', () => {
  const secret = 'a-shared-secret-of-enough-length-0123456789';
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, `${secret}\n`);

  it('HS256 with a secret file; the tier claim selects the tier, its absence the default tier', async () => {
    const v = await JwtVerifier.create(config({ secretFile }));
    const key = new TextEncoder().encode(secret);
    const gold = await new SignJWT({ tier: 'gold' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setExpirationTime('1m').sign(key);
    assert.deepEqual(await v.verify(gold), { ok: true, identity: { subject: 'ann', tier: 'gold' } });
    const plain = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setExpirationTime('1m').sign(key);
    assert.deepEqual(await v.verify(plain), { ok: true, identity: { subject: 'ann', tier: 'authenticated' } });
    const badTier = await new SignJWT({ tier: 'Gold Tier' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setExpirationTime('1m').sign(key);
    assert.equal((await v.verify(badTier)).ok, false);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').sign(key);
    assert.equal((await v.verify(noExp)).ok, false, 'exp is required');
    const wrongKey = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ann').setExpirationTime('1m').sign(new TextEncoder().encode('another-secret-0123456789abcdef'));
    assert.deepEqual(await v.verify(wrongKey), { ok: false, reason: 'the token signature is not valid' });
  });

  it('ES256 and RS256 with a PEM public key file; an algorithm not listed is refused', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const file = join(dir, `${alg}.pem`);
      writeFileSync(file, await exportSPKI(publicKey));
      const v = await JwtVerifier.create(config({ algorithms: [alg], publicKeyFile: file, issuer: 'https://id.example', audience: ['jussi'] }));
      const good = await new SignJWT({}).setProtectedHeader({ alg }).setSubject('bob').setIssuer('https://id.example').setAudience('jussi').setExpirationTime('1m').sign(privateKey);
      assert.deepEqual(await v.verify(good), { ok: true, identity: { subject: 'bob', tier: 'authenticated' } }, alg);
      const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setExpirationTime('1m').sign(new TextEncoder().encode(secret));
      assert.deepEqual(await v.verify(hs), { ok: false, reason: 'the token is signed with an algorithm that is not accepted' }, alg);
    }
  });

  it('honours the clock skew on expiry', async () => {
    const v = await JwtVerifier.create(config({ secretFile, clockSkewSeconds: 10 }));
    const key = new TextEncoder().encode(secret);
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('c').setExpirationTime(now - 5).sign(key);
    assert.equal((await v.verify(justExpired)).ok, true);
    const longExpired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('c').setExpirationTime(now - 60).sign(key);
    assert.deepEqual(await v.verify(longExpired), { ok: false, reason: 'the token has expired' });
  });

  it('names the file when a key file is unreadable or holds no key', async () => {
    await assert.rejects(JwtVerifier.create(config({ secretFile: join(dir, 'missing') })), /cannot read .*missing/);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key');
    await assert.rejects(JwtVerifier.create(config({ algorithms: ['RS256'], publicKeyFile: junk })), /junk\.pem does not hold a usable key/);
  });
});
