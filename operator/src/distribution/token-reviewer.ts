// Who is asking for the config: the bearer token is checked with a TokenReview against the
// operator's audience (a projected service-account token the kubelet mints for the sidecar), so
// application pods need no Kubernetes API permission at all. Answers are cached by the token's
// sha256 (never the token itself) until the token expires or 5 minutes pass, failures for 10 s,
// and concurrent requests with the same token share one review: a thousand sidecars cost a few
// reviews a second, not one per poll.

import { createHash } from 'node:crypto';
import { AuthenticationV1Api, type KubeConfig, type V1TokenReview } from '@kubernetes/client-node';
import { kubeErrorInfo } from '@jussi/proxy/kube/errors';
import { callOptions } from '@jussi/proxy/kube/request-options';

export interface SidecarIdentity {
  /** `system:serviceaccount:<namespace>:<name>`. */
  readonly username: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Present for pod-bound tokens (every projected token). */
  readonly podName: string | null;
  readonly podUid: string | null;
}

export type Review =
  | { readonly ok: true; readonly identity: SidecarIdentity }
  /** 401: the token is not valid for us; 503: it could not be checked now. */
  | { readonly ok: false; readonly status: 401 | 503; readonly message: string };

export interface TokenReviewerOptions {
  readonly kubeConfig: KubeConfig;
  readonly audience: string;
  readonly cacheTtlMs?: number;
  readonly failureTtlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly review: Review;
  readonly until: number;
}

const SA_PREFIX = 'system:serviceaccount:';

/** The identity a TokenReview status describes, or why it is not one we accept. */
export function identityOf(review: V1TokenReview, audience: string): Review {
  const status = review.status;
  if (status?.authenticated !== true) return { ok: false, status: 401, message: `the token was not accepted: ${status?.error ?? 'not authenticated'}` };
  if (!(status.audiences ?? []).includes(audience)) return { ok: false, status: 401, message: `the token is not for the audience ${audience}` };
  const username = status.user?.username ?? '';
  if (!username.startsWith(SA_PREFIX)) return { ok: false, status: 401, message: `${username || 'the user'} is not a service account` };
  const [namespace = '', serviceAccount = ''] = username.slice(SA_PREFIX.length).split(':');
  const extra = status.user?.extra ?? {};
  const first = (key: string): string | null => extra[key]?.[0] ?? null;
  return {
    ok: true,
    identity: { username, namespace, serviceAccount, podName: first('authentication.kubernetes.io/pod-name'), podUid: first('authentication.kubernetes.io/pod-uid') },
  };
}

/** The `exp` claim of a JWT, in epoch ms, without verifying anything (only bounds the cache). */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = typeof claims === 'object' && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

export class TokenReviewer {
  private readonly api: AuthenticationV1Api;
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Review>>();
  private readonly now: () => number;
  private reviews = 0;

  constructor(private readonly options: TokenReviewerOptions) {
    this.api = options.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.now = options.now ?? Date.now;
  }

  /** TokenReviews sent to the API server so far. */
  get reviewCount(): number {
    return this.reviews;
  }

  review(token: string): Promise<Review> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.until > this.now()) return Promise.resolve(cached.review);
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const p = this.ask(token).then((review) => {
      this.remember(key, token, review);
      return review;
    }).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  private async ask(token: string): Promise<Review> {
    this.reviews += 1;
    try {
      const answer = await this.api.createTokenReview(
        { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [this.options.audience] } } },
        callOptions({ timeoutMs: 5_000 }),
      );
      return identityOf(answer, this.options.audience);
    } catch (err) {
      return { ok: false, status: 503, message: `the token could not be checked with the Kubernetes API: ${kubeErrorInfo(err).message}` };
    }
  }

  private remember(key: string, token: string, review: Review): void {
    const now = this.now();
    // An API outage is not the token's fault: do not cache it, the next poll asks again.
    if (!review.ok && review.status === 503) return;
    let until = now + (review.ok ? (this.options.cacheTtlMs ?? 300_000) : (this.options.failureTtlMs ?? 10_000));
    const exp = tokenExpiry(token);
    if (exp !== null) until = Math.min(until, exp);
    this.cache.set(key, { review, until });
    const max = this.options.maxEntries ?? 20_000;
    while (this.cache.size > max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}
