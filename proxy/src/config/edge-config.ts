// The document's `edge` member after validation: defaults filled in, rates as calls per second,
// and what JSON Schema cannot check (CIDRs, origin patterns, JWT key sources that fit the
// algorithms, bucket names used twice). Key material is never read here: only where it is.

import { isIP } from 'node:net';
import type { ConfigProblem, ConfigWarning, RawAuth, RawBucketKey, RawCors, RawEdge, RawJwt, RawJwtAlgorithm, RawRateLimitBucket } from './document.js';
import { pointer } from './problems.js';

export type BucketKey = RawBucketKey;
export type AuthMode = 'off' | 'optional' | 'required';
export type JwtAlgorithm = RawJwtAlgorithm;

export interface BucketConfig {
  readonly name: string;
  readonly key: BucketKey;
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** Most tokens held (calls allowed at once). */
  readonly burst: number;
  /** Method prefixes counted; empty: every method. */
  readonly prefixes: readonly string[];
  /** Tiers counted; null: every tier. */
  readonly tiers: readonly string[] | null;
}

export interface CorsConfig {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  /** null: echo what the preflight asks for. */
  readonly allowedHeaders: readonly string[] | null;
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds: number;
  readonly allowCredentials: boolean;
}

export interface SecurityHeadersConfig {
  readonly hstsMaxAgeSeconds: number;
}

export interface JwtConfig {
  readonly algorithms: readonly JwtAlgorithm[];
  readonly issuer: string | null;
  readonly audience: readonly string[] | null;
  readonly jwksUrl: string | null;
  readonly publicKeyFile: string | null;
  readonly secretFile: string | null;
  readonly clockSkewSeconds: number;
  readonly tierClaim: string;
  readonly defaultTier: string;
  readonly jwksCooldownSeconds: number;
  readonly jwksMaxAgeSeconds: number;
}

export interface AuthConfig {
  readonly mode: AuthMode;
  readonly anonymousTier: string;
  readonly apiKeysFile: string | null;
  readonly jwt: JwtConfig | null;
}

export interface EdgeConfig {
  readonly trustedProxies: readonly string[];
  readonly buckets: readonly BucketConfig[];
  readonly cors: CorsConfig | null;
  readonly securityHeaders: SecurityHeadersConfig | null;
  readonly auth: AuthConfig;
}

export const DEFAULT_ANONYMOUS_TIER = 'anonymous';
export const DEFAULT_AUTHENTICATED_TIER = 'authenticated';
export const DEFAULT_CORS_METHODS: readonly string[] = ['POST', 'GET', 'OPTIONS'];
export const DEFAULT_CORS_HEADERS: readonly string[] = ['content-type', 'authorization', 'x-api-key', 'x-jussi-request-id'];
/** What a browser script may read of an answer: jussi's headers and Retry-After. */
export const DEFAULT_EXPOSE_HEADERS: readonly string[] = [
  'x-jussi-request-id',
  'x-jussi-response-time',
  'x-jussi-cache-hit',
  'x-jussi-error-id',
  'x-jussi-namespace',
  'x-jussi-api',
  'x-jussi-method',
  'x-jussi-params',
  'retry-after',
];
export const DEFAULT_CORS_MAX_AGE = 600;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
export const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;
export const DEFAULT_JWKS_MAX_AGE_SECONDS = 600;

export const AUTH_OFF: AuthConfig = { mode: 'off', anonymousTier: DEFAULT_ANONYMOUS_TIER, apiKeysFile: null, jwt: null };

interface Collector {
  readonly problems: ConfigProblem[];
  readonly warnings: ConfigWarning[];
}

/** The normalised `edge` member; problems and warnings go to `c`, each with its JSON path. */
export function normaliseEdge(raw: RawEdge, c: Collector): EdgeConfig {
  const trustedProxies = raw.trusted_proxies ?? [];
  trustedProxies.forEach((cidr, i) => {
    const problem = cidrProblem(cidr);
    if (problem !== null) c.problems.push({ path: pointer('/edge/trusted_proxies', i), message: problem });
  });
  const buckets = (raw.rate_limits?.buckets ?? []).map((b) => normaliseBucket(b));
  const seen = new Map<string, number>();
  buckets.forEach((b, i) => {
    const earlier = seen.get(b.name);
    if (earlier !== undefined) {
      c.problems.push({ path: pointer('/edge/rate_limits/buckets', i, 'name'), message: `bucket name "${b.name}" is already used at /edge/rate_limits/buckets/${earlier}; names must be unique` });
    }
    seen.set(b.name, i);
  });
  const cors = raw.cors === undefined ? null : normaliseCors(raw.cors, c);
  const securityHeaders = raw.security_headers === undefined || raw.security_headers.enabled === false ? null : { hstsMaxAgeSeconds: raw.security_headers.hsts_max_age ?? 0 };
  const auth = raw.auth === undefined ? AUTH_OFF : normaliseAuth(raw.auth, c);
  return { trustedProxies, buckets, cors, securityHeaders, auth };
}

function normaliseBucket(b: RawRateLimitBucket): BucketConfig {
  const period = b.period ?? 1;
  return {
    name: b.name,
    key: b.key,
    ratePerSecond: b.limit / period,
    burst: b.burst ?? b.limit,
    prefixes: b.prefixes ?? [],
    tiers: b.tiers ?? null,
  };
}

/** Why a string is not an IPv4/IPv6 address or CIDR, or null. */
export function cidrProblem(value: string): string | null {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `expected an IP address or CIDR such as "10.0.0.0/8" or "fd00::/8", got ${JSON.stringify(value)}`;
  if (slash < 0) return null;
  const bitsText = value.slice(slash + 1);
  const bits = Number(bitsText);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bitsText) || bits > max) return `expected a prefix length from 0 to ${max} after "/", got ${JSON.stringify(value)}`;
  return null;
}

/** `*`, `scheme://host[:port]`, or `scheme://*.domain[:port]`. */
const ORIGIN_PATTERN = /^(\*|[a-z][a-z0-9+.-]*:\/\/(\*\.)?[^/*\s?#]+)$/i;

function normaliseCors(raw: RawCors, c: Collector): CorsConfig {
  raw.allowed_origins.forEach((origin, i) => {
    if (!ORIGIN_PATTERN.test(origin)) {
      c.problems.push({
        path: pointer('/edge/cors/allowed_origins', i),
        message: `expected "*", an origin such as "https://app.example.com" or a wildcard such as "https://*.example.com" (no path), got ${JSON.stringify(origin)}`,
      });
    }
  });
  const credentials = raw.allow_credentials === true;
  if (credentials && raw.allowed_origins.includes('*')) {
    c.warnings.push({
      path: '/edge/cors/allow_credentials',
      message: 'with credentials allowed, "*" echoes each request\'s Origin instead of answering "*" (browsers refuse "*" with credentials); list the origins you trust instead',
    });
  }
  return {
    allowedOrigins: raw.allowed_origins,
    allowedMethods: (raw.allowed_methods ?? DEFAULT_CORS_METHODS).map((m) => m.toUpperCase()),
    allowedHeaders: raw.allowed_headers === undefined ? DEFAULT_CORS_HEADERS : raw.allowed_headers.includes('*') ? null : raw.allowed_headers.map((h) => h.toLowerCase()),
    exposeHeaders: raw.expose_headers ?? DEFAULT_EXPOSE_HEADERS,
    maxAgeSeconds: raw.max_age ?? DEFAULT_CORS_MAX_AGE,
    allowCredentials: credentials,
  };
}

function normaliseAuth(raw: RawAuth, c: Collector): AuthConfig {
  const jwt = raw.jwt === undefined ? null : normaliseJwt(raw.jwt, c);
  if (raw.mode !== 'off' && raw.api_keys === undefined && jwt === null) {
    c.warnings.push({
      path: '/edge/auth/mode',
      message: `mode "${raw.mode}" without api_keys or jwt: only keys from JUSSI_API_KEYS_FILE can be accepted${raw.mode === 'required' ? ', and without it every call is refused' : ''}`,
    });
  }
  return {
    mode: raw.mode,
    anonymousTier: raw.anonymous_tier ?? DEFAULT_ANONYMOUS_TIER,
    apiKeysFile: raw.api_keys?.file ?? null,
    jwt,
  };
}

function normaliseJwt(raw: RawJwt, c: Collector): JwtConfig {
  const asymmetric = raw.algorithms.some((a) => a !== 'HS256');
  const symmetric = raw.algorithms.includes('HS256');
  if (asymmetric && raw.jwks_url === undefined && raw.public_key_file === undefined) {
    c.problems.push({ path: '/edge/auth/jwt', message: 'RS256 and ES256 need a key source: "jwks_url" or "public_key_file"' });
  }
  if (symmetric && raw.secret_file === undefined) {
    c.problems.push({ path: '/edge/auth/jwt', message: 'HS256 needs "secret_file" (a file holding the shared secret; the document never holds the secret itself)' });
  }
  if (!symmetric && raw.secret_file !== undefined) {
    c.warnings.push({ path: '/edge/auth/jwt/secret_file', message: 'secret_file is only used with HS256, which "algorithms" does not list' });
  }
  if (raw.jwks_url !== undefined && raw.public_key_file !== undefined) {
    c.problems.push({ path: '/edge/auth/jwt/public_key_file', message: 'give either "jwks_url" or "public_key_file", not both' });
  }
  const audience = raw.audience === undefined ? null : typeof raw.audience === 'string' ? [raw.audience] : raw.audience;
  return {
    algorithms: [...new Set(raw.algorithms)],
    issuer: raw.issuer ?? null,
    audience,
    jwksUrl: raw.jwks_url ?? null,
    publicKeyFile: raw.public_key_file ?? null,
    secretFile: raw.secret_file ?? null,
    clockSkewSeconds: raw.clock_skew ?? DEFAULT_CLOCK_SKEW_SECONDS,
    tierClaim: raw.tier_claim ?? 'tier',
    defaultTier: raw.default_tier ?? DEFAULT_AUTHENTICATED_TIER,
    jwksCooldownSeconds: raw.jwks_cooldown ?? DEFAULT_JWKS_COOLDOWN_SECONDS,
    jwksMaxAgeSeconds: raw.jwks_max_age ?? DEFAULT_JWKS_MAX_AGE_SECONDS,
  };
}
