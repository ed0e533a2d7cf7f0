// Who is calling, from the request's credentials and the auth mode: `off` (nobody is asked),
// `optional` (no credentials: the anonymous tier; credentials: checked, and a bad one is refused
// rather than downgraded), `required` (no credentials: refused). A valid API key or token gives
// the caller's subject (the key's name or the token's `sub`) and tier, which pick its rate-limit
// buckets. Refusals are values carrying the JSON-RPC error for a 401 answer.

import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig } from '../config/edge-config.js';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import type { ApiKeyStore } from './api-keys.js';
import { credentialsFrom } from './credentials.js';
import type { JwtVerifier } from './jwt-verifier.js';

export type IdentityKind = 'anonymous' | 'api_key' | 'jwt';

export interface Identity {
  readonly kind: IdentityKind;
  /** API key name or token subject; null when anonymous. */
  readonly subject: string | null;
  readonly tier: string;
}

export type AuthOutcome =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly error: RpcError; readonly kind: IdentityKind; readonly challenge: string };

const REALM = 'Bearer realm="jussi"';

export class Authenticator {
  readonly anonymous: Identity;

  constructor(
    private readonly config: AuthConfig,
    private readonly keys: () => ApiKeyStore,
    private readonly jwt: JwtVerifier | null,
  ) {
    this.anonymous = { kind: 'anonymous', subject: null, tier: config.anonymousTier };
  }

  get mode(): AuthConfig['mode'] {
    return this.config.mode;
  }

  authenticate(headers: IncomingHttpHeaders, url: string): AuthOutcome | Promise<AuthOutcome> {
    if (this.config.mode === 'off') return { ok: true, identity: this.anonymous };
    const presented = credentialsFrom(headers, url);
    switch (presented.kind) {
      case 'none':
        if (this.config.mode === 'optional') return { ok: true, identity: this.anonymous };
        return {
          ok: false,
          kind: 'anonymous',
          error: rpcError('AuthenticationRequired', {}, 'this endpoint needs an API key or token: send Authorization: Bearer <key or token> or X-Api-Key: <key>'),
          challenge: REALM,
        };
      case 'malformed':
        return invalid('anonymous', presented.reason);
      case 'api_key': {
        const found = this.keys().lookup(presented.key);
        if (found === null) return invalid('api_key', 'the API key is not known');
        return { ok: true, identity: { kind: 'api_key', subject: found.name, tier: found.tier } };
      }
      case 'jwt': {
        if (this.jwt === null) {
          // Without JWT settings a dotted bearer value can only be an API key.
          const found = this.keys().lookup(presented.token);
          if (found === null) return invalid('jwt', 'tokens are not accepted here and the value is not a known API key');
          return { ok: true, identity: { kind: 'api_key', subject: found.name, tier: found.tier } };
        }
        return this.jwt.verify(presented.token).then((checked) =>
          checked.ok ? { ok: true, identity: { kind: 'jwt', subject: checked.identity.subject, tier: checked.identity.tier } } : invalid('jwt', checked.reason),
        );
      }
    }
  }
}

function invalid(kind: IdentityKind, reason: string): AuthOutcome {
  return { ok: false, kind, error: rpcError('InvalidCredentials', {}, reason), challenge: `${REALM}, error="invalid_token"` };
}
