// An ordered list of URLs for one route, tried in turn (extension of jussi's config: a `urls`
// value may be a list). A call moves on to the next URL only when
//  - the call is idempotent (broadcasts are never retried: ARCHITECTURE item 13),
//  - the failure was connection-level ('connect', 'closed', 'overloaded': the URL could not
//    carry the call; a timeout or an upstream error answer is not a reason to ask another), and
//  - the call's signal has not fired.
// Healthy URLs are tried first, in list order, then the others (health.ts); the reply's `url`
// names the URL that answered. The members belong to the UpstreamSet that built this list:
// `close()` only stops this list taking calls.

import type { HealthCheckedUpstream } from './health-checked.js';
import { UpstreamError } from './types.js';
import type { Upstream, UpstreamCall, UpstreamErrorKind, UpstreamReply, UpstreamStats } from './types.js';

const FAILOVER_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['connect', 'closed', 'overloaded']);

export function shouldFailOver(call: UpstreamCall, error: UpstreamError): boolean {
  return call.idempotent && FAILOVER_KINDS.has(error.kind) && !call.signal.aborted;
}

export class FailoverUpstream implements Upstream {
  readonly url: string;
  readonly protocol: Upstream['protocol'];
  private closing = false;

  constructor(private readonly members: readonly HealthCheckedUpstream[]) {
    const first = members[0];
    if (first === undefined) throw new RangeError('a failover list needs at least one upstream');
    this.url = members.map((m) => m.url).join(' | ');
    this.protocol = first.protocol;
  }

  /** The order this call would try the URLs in. */
  order(idempotent: boolean): HealthCheckedUpstream[] {
    const first: HealthCheckedUpstream[] = [];
    const rest: HealthCheckedUpstream[] = [];
    for (const m of this.members) (m.preferred(idempotent) ? first : rest).push(m);
    return first.concat(rest);
  }

  async send(call: UpstreamCall): Promise<UpstreamReply> {
    if (this.closing) throw new UpstreamError('shutdown', this.url, `upstream list ${this.url} is closing`);
    const failures: UpstreamError[] = [];
    for (const member of this.order(call.idempotent)) {
      try {
        return await member.send(call);
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        failures.push(err);
        if (!shouldFailOver(call, err)) break;
      }
    }
    throw combine(failures, this.url);
  }

  stats(): UpstreamStats {
    const all = this.members.map((m) => m.stats());
    const sum = (pick: (s: UpstreamStats) => number): number => all.reduce((n, s) => n + pick(s), 0);
    return {
      url: this.url,
      protocol: this.protocol,
      size: sum((s) => s.size),
      active: sum((s) => s.active),
      idle: sum((s) => s.idle),
      pending: sum((s) => s.pending),
      inFlight: sum((s) => s.inFlight),
      healthy: all.some((s) => s.healthy),
      lastError: all.find((s) => s.lastError !== null)?.lastError ?? null,
    };
  }

  close(_graceMs: number): Promise<void> {
    this.closing = true;
    return Promise.resolve();
  }
}

/** The last failure decides the kind; the message keeps what happened before it. */
function combine(failures: readonly UpstreamError[], listUrl: string): UpstreamError {
  const last = failures[failures.length - 1];
  if (last === undefined) return new UpstreamError('connect', listUrl, `no upstream in ${listUrl} could be tried`);
  if (failures.length === 1) return last;
  const earlier = failures.slice(0, -1).map((f) => `${f.kind}: ${f.message}`).join('; ');
  return new UpstreamError(last.kind, last.url, `${last.message} (after ${failures.length - 1} failed: ${earlier})`, { cause: last });
}
