// Stage 1 of an item: from a parsed request object to a plan (where it goes, how long it may
// take, whether the cache applies), or to the error it is answered with. Pure: it reads the
// snapshot and returns data.

import { readsCache } from '../cache/ttl-policy.js';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import type { ItemResult, ValidItem } from '../jsonrpc/items.js';
import type { Urn } from '../jsonrpc/types.js';
import { invalidRequestFrom, parseUrn } from '../jsonrpc/urn.js';
import { checkItemLimits } from '../limits/item-limits.js';
import type { MethodLabeler } from '../observability/labels.js';
import { UNPARSED_LABELS } from '../observability/labels.js';
import type { MethodLabels } from '../observability/types.js';
import { resolveItem, type ResolvedItem } from '../routing/resolve.js';
import type { RuntimeSnapshot } from '../runtime/snapshot.js';
import { redactUrl } from '../upstream/redact.js';
import type { Upstream } from '../upstream/types.js';
import { isIdempotent } from './idempotency.js';

/** An item that goes to the cache and, on a miss, upstream. */
export interface PlannedItem {
  readonly kind: 'planned';
  readonly index: number;
  readonly idText: string;
  readonly notification: boolean;
  readonly item: ValidItem;
  readonly resolved: ResolvedItem;
  readonly upstream: Upstream;
  /** The TTL rule allows caching: read the cache, merge identical calls, write the answer. */
  readonly cacheable: boolean;
  readonly idempotent: boolean;
  readonly labels: MethodLabels;
}

/** An item answered without leaving the proxy (invalid, unroutable, over a limit). */
export interface RejectedItem {
  readonly kind: 'rejected';
  readonly index: number;
  readonly idText: string;
  readonly notification: boolean;
  readonly error: RpcError;
  /** The URN when it got that far (logs and metric labels). */
  readonly urn: Urn | null;
  /**
   * The request was routed (jussi had built its request object): only then does a single
   * request's error answer carry the x-jussi-* URN headers, as in jussi.
   */
  readonly routed: boolean;
  readonly labels: MethodLabels;
}

export type ItemPlan = PlannedItem | RejectedItem;

export function planItem(result: ItemResult, snapshot: RuntimeSnapshot, labeler: MethodLabeler): ItemPlan {
  if (!result.ok) {
    return { kind: 'rejected', index: result.index, idText: result.idText, notification: false, error: result.error, urn: null, routed: false, labels: UNPARSED_LABELS };
  }
  const reject = (error: RpcError, urn: Urn | null, routed = true): RejectedItem => ({
    kind: 'rejected',
    index: result.index,
    idText: result.idText,
    notification: result.notification,
    error,
    urn,
    routed: urn !== null && routed,
    labels: urn === null ? UNPARSED_LABELS : labeler.labels(urn),
  });

  const parsed = parseUrn(result);
  if (!parsed.ok) return reject(invalidRequestFrom(parsed.error), null);
  const resolved = resolveItem(snapshot.routing, result.request, result.params, parsed.urn);
  if (!resolved.ok) return reject(resolved.error, parsed.urn, false);
  const { urn, route } = resolved.item;
  const limited = checkItemLimits(urn, snapshot.limits);
  if (limited !== null) return reject(limited, urn);
  const upstream = snapshot.upstreams.get(route.urls);
  if (upstream === undefined) {
    const url = route.urls.map(redactUrl).join(', ');
    return reject(rpcError('InvalidUpstreamUrl', { url, reason: 'invalid format' }, `no usable upstream URL among ${url}`), urn);
  }
  return {
    kind: 'planned',
    index: result.index,
    idText: result.idText,
    notification: result.notification,
    item: result,
    resolved: resolved.item,
    upstream,
    cacheable: readsCache(route.ttl),
    idempotent: isIdempotent(urn),
    labels: labeler.labels(urn),
  };
}
