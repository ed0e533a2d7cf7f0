// Injected failures: "answer the next N requests matching this verb and path with this status".
// Rules are consumed in the order they were added; each matching request uses up one answer.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'discovery';

export interface FailureRule {
  /** Which verbs; all when omitted. */
  readonly verb?: Verb | readonly Verb[];
  /** A substring of the request path, or a pattern; all paths when omitted. */
  readonly path?: string | RegExp;
  /** HTTP status to answer: 409, 410, 429, 500, 503, ...; 'hang' accepts the request and never answers. */
  readonly status: number | 'hang';
  /** How many requests to fail (default 1). */
  readonly count?: number;
  /** Sets a `Retry-After` header (seconds), e.g. with 429. */
  readonly retryAfterSeconds?: number;
  readonly message?: string;
  /**
   * For watches: 'http' answers with the HTTP status; 'event' answers 200 and sends one `ERROR`
   * event carrying the status, then ends the stream (what the apiserver does for 410).
   */
  readonly watchAs?: 'http' | 'event';
}

export interface ActiveFailure {
  readonly status: number | 'hang';
  readonly retryAfterSeconds: number | undefined;
  readonly message: string | undefined;
  readonly watchAs: 'http' | 'event';
}

interface PendingRule {
  readonly rule: FailureRule;
  remaining: number;
}

function verbMatches(rule: FailureRule, verb: Verb): boolean {
  if (rule.verb === undefined) return true;
  return typeof rule.verb === 'string' ? rule.verb === verb : rule.verb.includes(verb);
}

function pathMatches(rule: FailureRule, path: string): boolean {
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path);
}

export class FaultPlan {
  private rules: PendingRule[] = [];

  failNext(rule: FailureRule): void {
    this.rules.push({ rule, remaining: rule.count ?? 1 });
  }

  /** The failure to inflict on this request, if any (and uses it up). */
  take(verb: Verb, path: string): ActiveFailure | undefined {
    const hit = this.rules.find((r) => r.remaining > 0 && verbMatches(r.rule, verb) && pathMatches(r.rule, path));
    if (hit === undefined) return undefined;
    hit.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return {
      status: hit.rule.status,
      retryAfterSeconds: hit.rule.retryAfterSeconds,
      message: hit.rule.message,
      watchAs: hit.rule.watchAs ?? 'http',
    };
  }

  /** Failures not yet used. */
  pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0);
  }

  clear(): void {
    this.rules = [];
  }
}
