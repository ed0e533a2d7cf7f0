// JWT bearer tokens, verified with `jose`: HS256 (a shared secret from a file), RS256 and ES256
// (a PEM public key file, or a JWKS URL: jose caches the key set, fetches it again when a token
// names a key it does not hold (rotation) but never more often than the cooldown, and refreshes
// it after its maximum age). Issuer, audience and expiry (with clock skew) are checked. The
// token's `sub` is the caller's subject, and a claim names its tier.

import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import type { JwtConfig } from '../config/edge-config.js';

export interface TokenIdentity {
  readonly subject: string;
  readonly tier: string;
}

export type TokenCheck = { readonly ok: true; readonly identity: TokenIdentity } | { readonly ok: false; readonly reason: string };

const TIER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const JWKS_TIMEOUT_MS = 5000;

export class JwtVerifier {
  private constructor(
    private readonly config: JwtConfig,
    private readonly getKey: JWTVerifyGetKey,
    readonly jwks: RemoteJWKSet | null,
  ) {}

  /** Reads the key files the config names (rejects with a message naming the file when unreadable). */
  static async create(config: JwtConfig): Promise<JwtVerifier> {
    const secret = config.secretFile === null ? null : await readKey(config.secretFile, (text) => createSecretKey(Buffer.from(text.trim(), 'utf8')));
    const publicKey = config.publicKeyFile === null ? null : await readKey(config.publicKeyFile, (text) => createPublicKey(text));
    const jwks =
      config.jwksUrl === null
        ? null
        : createRemoteJWKSet(new URL(config.jwksUrl), {
            timeoutDuration: JWKS_TIMEOUT_MS,
            cooldownDuration: config.jwksCooldownSeconds * 1000,
            cacheMaxAge: config.jwksMaxAgeSeconds * 1000,
          });
    const getKey: JWTVerifyGetKey = async (header, token) => {
      if (header.alg === 'HS256') {
        if (secret === null) throw new errors.JOSEAlgNotAllowed('HS256 is not configured');
        return secret;
      }
      if (jwks !== null) return jwks(header, token);
      if (publicKey === null) throw new errors.JOSEAlgNotAllowed(`${String(header.alg)} has no key configured`);
      return publicKey;
    };
    return new JwtVerifier(config, getKey, jwks);
  }

  async verify(token: string): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.getKey, {
        algorithms: [...this.config.algorithms],
        clockTolerance: this.config.clockSkewSeconds,
        ...(this.config.issuer === null ? {} : { issuer: this.config.issuer }),
        ...(this.config.audience === null ? {} : { audience: [...this.config.audience] }),
        requiredClaims: ['sub', 'exp'],
      });
      const subject = payload.sub;
      if (typeof subject !== 'string' || subject === '') return { ok: false, reason: 'the token has no subject ("sub")' };
      const claimed = payload[this.config.tierClaim];
      if (claimed === undefined) return { ok: true, identity: { subject, tier: this.config.defaultTier } };
      if (typeof claimed !== 'string' || !TIER.test(claimed) || claimed.length > 63) {
        return { ok: false, reason: `the token's "${this.config.tierClaim}" claim is not a tier name` };
      }
      return { ok: true, identity: { subject, tier: claimed } };
    } catch (err) {
      return { ok: false, reason: reasonOf(err) };
    }
  }
}

async function readKey(path: string, make: (text: string) => KeyObject): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return make(text);
  } catch (err) {
    // The message of a key parser never holds the key.
    throw new Error(`${path} does not hold a usable key: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A reason a client can act on; never token contents beyond the failing claim's name. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `the token's "${err.claim}" claim is not accepted (${err.reason})`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token is signed by a key the issuer does not publish';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError && err.code === 'ERR_JWKS_INVALID') return 'the token keys could not be fetched; try again';
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return 'the token is malformed';
  if (err instanceof errors.JOSEError) return `the token is not accepted (${err.code})`;
  return 'the token keys could not be fetched; try again';
}
