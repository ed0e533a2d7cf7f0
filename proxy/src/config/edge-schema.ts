// JSON Schema of the document's `edge` member (document.ts RawEdge), part of the one document
// schema in schema.ts. Every leaf has a `description`: problem messages are built from it.
// Bounds keep the per-request work and the metric label set bounded (64 buckets at most).

const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const name = (what: string) =>
  ({
    type: 'string',
    pattern: NAME_PATTERN,
    maxLength: 63,
    description: `${what}: 1 to 63 lower-case letters, digits or "-", starting and ending with a letter or digit`,
  }) as const;

const filePath = (what: string) =>
  ({ type: 'string', minLength: 1, maxLength: 4096, pattern: '^/', description: `${what}: an absolute file path` }) as const;

const stringList = (what: string, maxItems: number, item: object) =>
  ({ type: 'array', maxItems, items: item, description: `a list of at most ${maxItems} ${what}` }) as const;

const headerName = { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 128, description: 'an HTTP header name' } as const;

const bucket = {
  type: 'object',
  description: 'a rate-limit bucket: "name", "key", "limit" and optionally "period", "burst", "prefixes", "tiers"',
  required: ['name', 'key', 'limit'],
  additionalProperties: false,
  properties: {
    name: name('a bucket name (it labels jussi_rate_limited_total and names the bucket in error data)'),
    key: {
      type: 'string',
      enum: ['client', 'subject', 'global'],
      description: 'what the bucket counts per: "client" (address), "subject" (API key or token subject; the address when anonymous) or "global"',
    },
    limit: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'calls allowed per period: an integer from 1' },
    period: { type: 'integer', minimum: 1, maximum: 86_400, description: 'the period in seconds: an integer from 1 to 86400 (default 1)' },
    burst: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'calls allowed at once after a quiet spell: an integer from 1 (default: limit)' },
    prefixes: stringList('method prefixes', 32, {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z0-9_-]+(\\.[^.]+)*$',
      description: 'a method prefix such as "appbase.condenser_api.broadcast_transaction"',
    }),
    tiers: stringList('tier names', 32, name('a tier name')),
  },
} as const;

const originPattern = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  description: 'an origin: "*", "https://app.example.com" or "https://*.example.com"',
} as const;

const jwt = {
  type: 'object',
  description: 'JWT settings: "algorithms" and a key source ("jwks_url", "public_key_file" or, for HS256, "secret_file")',
  required: ['algorithms'],
  additionalProperties: false,
  properties: {
    algorithms: {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: { type: 'string', enum: ['HS256', 'RS256', 'ES256'], description: 'one of HS256, RS256, ES256' },
      description: 'a non-empty list of HS256, RS256, ES256',
    },
    issuer: { type: 'string', minLength: 1, maxLength: 1024, description: 'the expected "iss" claim' },
    audience: {
      description: 'the expected "aud": a string or a list of strings',
      if: { type: 'array' },
      then: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', minLength: 1, maxLength: 1024, description: 'an audience' }, description: 'a non-empty list of audiences' },
      else: { type: 'string', minLength: 1, maxLength: 1024, description: 'an audience string' },
    },
    jwks_url: { type: 'string', pattern: '^https?://\\S+$', maxLength: 2048, description: 'a JWKS URL starting with https:// (or http:// inside a trusted network)' },
    public_key_file: filePath('a PEM public key file (SPKI) for RS256/ES256'),
    secret_file: filePath('a file holding the HS256 secret'),
    clock_skew: { type: 'integer', minimum: 0, maximum: 3600, description: 'tolerated clock skew in seconds: an integer from 0 to 3600' },
    tier_claim: { type: 'string', minLength: 1, maxLength: 128, description: 'the claim naming the caller\'s tier' },
    default_tier: name('the tier of a token without the tier claim'),
    jwks_cooldown: { type: 'integer', minimum: 1, maximum: 3600, description: 'least seconds between JWKS fetches: an integer from 1 to 3600' },
    jwks_max_age: { type: 'integer', minimum: 1, maximum: 86_400, description: 'seconds a fetched JWKS is trusted before it is fetched again: an integer from 1 to 86400' },
  },
} as const;

export const EDGE_SCHEMA = {
  type: 'object',
  description: 'edge protection: "trusted_proxies", "rate_limits", "cors", "security_headers", "auth"',
  additionalProperties: false,
  properties: {
    trusted_proxies: stringList('CIDRs', 256, { type: 'string', maxLength: 64, description: 'an IP address or CIDR such as "10.0.0.0/8"' }),
    rate_limits: {
      type: 'object',
      description: 'rate limits: an object with "buckets"',
      required: ['buckets'],
      additionalProperties: false,
      properties: {
        buckets: { type: 'array', maxItems: 64, items: bucket, description: 'a list of at most 64 buckets' },
      },
    },
    cors: {
      type: 'object',
      description: 'CORS: "allowed_origins" and optionally "allowed_methods", "allowed_headers", "expose_headers", "max_age", "allow_credentials"',
      required: ['allowed_origins'],
      additionalProperties: false,
      properties: {
        allowed_origins: { ...stringList('origins', 256, originPattern), minItems: 1 },
        allowed_methods: stringList('HTTP methods', 16, { type: 'string', pattern: '^[A-Za-z]+$', maxLength: 16, description: 'an HTTP method such as "POST"' }),
        allowed_headers: stringList('header names (or "*")', 64, { anyOf: [headerName, { const: '*' }], description: 'an HTTP header name or "*"' }),
        expose_headers: stringList('header names', 64, headerName),
        max_age: { type: 'integer', minimum: 0, maximum: 86_400, description: 'preflight cache time in seconds: an integer from 0 to 86400' },
        allow_credentials: { type: 'boolean', description: 'true or false' },
      },
    },
    security_headers: {
      type: 'object',
      description: 'security headers: "enabled" and optionally "hsts_max_age"',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', description: 'true or false' },
        hsts_max_age: { type: 'integer', minimum: 0, maximum: 63_072_000, description: 'Strict-Transport-Security max-age in seconds (0: none)' },
      },
    },
    auth: {
      type: 'object',
      description: 'authentication: "mode" and optionally "anonymous_tier", "api_keys", "jwt"',
      required: ['mode'],
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: ['off', 'optional', 'required'], description: 'one of "off", "optional", "required"' },
        anonymous_tier: name('the tier of calls without credentials'),
        api_keys: {
          type: 'object',
          description: 'API keys: an object with "file" (the keys themselves never go in the document)',
          required: ['file'],
          additionalProperties: false,
          properties: { file: filePath('the API key file (for example a mounted Secret)') },
        },
        jwt,
      },
    },
  },
} as const;
