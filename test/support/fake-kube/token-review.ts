// TokenReview (authentication.k8s.io/v1) as the API server answers it for service-account
// tokens: tests issue tokens (`kube.issueToken(...)`, as the kubelet projects them), and a
// review authenticates one when it is known, unexpired, bound to a pod that still exists with
// the same uid, and valid for one of the requested audiences (status.audiences is the
// intersection). The user is `system:serviceaccount:<ns>:<sa>` with the service-account groups
// and the pod-name/pod-uid extras of a pod-bound token.

import { randomBytes, randomUUID } from 'node:crypto';
import { isJsonObject, type Json, type JsonObject } from './json.js';

/** The API server's own audience: what a token has when no audience is asked for. */
export const API_SERVER_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface TokenGrant {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Default: the API server's audience. */
  readonly audiences?: readonly string[];
  /** A pod-bound token (projected volume) stops working when the pod is gone. */
  readonly pod?: { readonly name: string; readonly uid: string };
  /** Default 3600. */
  readonly expirationSeconds?: number;
}

interface Issued {
  readonly grant: TokenGrant;
  readonly expiresAt: number;
  readonly jti: string;
}

export class TokenAuthority {
  private readonly tokens = new Map<string, Issued>();
  reviews = 0;

  issue(grant: TokenGrant, now = Date.now()): string {
    // Opaque but JWT-shaped, so clients that peek at the shape are not surprised.
    const token = ['eyJhbGciOiJSUzI1NiJ9', randomBytes(24).toString('base64url'), randomBytes(32).toString('base64url')].join('.');
    this.tokens.set(token, { grant, expiresAt: now + (grant.expirationSeconds ?? 3600) * 1000, jti: randomUUID() });
    return token;
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  /** The TokenReview answer for a created review body. */
  review(body: JsonObject, podUid: (namespace: string, name: string) => string | undefined, now = Date.now()): JsonObject {
    this.reviews += 1;
    const spec = isJsonObject(body['spec'] ?? null) ? (body['spec'] as JsonObject) : {};
    const token = typeof spec['token'] === 'string' ? spec['token'] : '';
    const asked = Array.isArray(spec['audiences']) ? (spec['audiences'] as Json[]).filter((a): a is string => typeof a === 'string') : [];
    const answer = (status: JsonObject): JsonObject => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec, status });
    const issued = this.tokens.get(token);
    if (issued === undefined) return answer({ user: {}, error: '[invalid bearer token, token lookup failed]' });
    if (issued.expiresAt <= now) return answer({ user: {}, error: '[invalid bearer token, service account token has expired]' });
    const { grant } = issued;
    if (grant.pod !== undefined && podUid(grant.namespace, grant.pod.name) !== grant.pod.uid) {
      return answer({ user: {}, error: `[invalid bearer token, pod "${grant.pod.name}" not found or has a different uid]` });
    }
    const has = grant.audiences ?? [API_SERVER_AUDIENCE];
    const wanted = asked.length === 0 ? [API_SERVER_AUDIENCE] : asked;
    const audiences = wanted.filter((a) => has.includes(a));
    if (audiences.length === 0) return answer({ user: {}, error: '[invalid bearer token, token audiences is invalid for the target audiences]' });
    const extra: JsonObject = { 'authentication.kubernetes.io/credential-id': [`JTI=${issued.jti}`] };
    if (grant.pod !== undefined) {
      extra['authentication.kubernetes.io/pod-name'] = [grant.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [grant.pod.uid];
    }
    return answer({
      authenticated: true,
      user: {
        username: `system:serviceaccount:${grant.namespace}:${grant.serviceAccount}`,
        uid: `sa-${grant.namespace}-${grant.serviceAccount}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${grant.namespace}`, 'system:authenticated'],
        extra,
      },
      audiences,
    });
  }
}
