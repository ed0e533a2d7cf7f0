// Routing tables built once per config snapshot: jussi's three global tries (URLs, TTLs,
// timeouts; prefixes are not scoped by the block that defines them), held as one trie, plus the
// account-transfer override. `route(urn)` answers where a request goes, how long it may take and which ttl rule
// applies, with the prefixes that matched (bounded labels for metrics, per-rule cache figures).

import type { NormalisedConfig } from '../config/document.js';
import { rpcError, type RpcError } from '../jsonrpc/errors.js';
import type { Urn } from '../jsonrpc/types.js';
import { isAccountTransferRequest } from './account-transfer.js';
import { PrefixTrie } from './prefix-trie.js';
import { effectiveTimeout, type ItemTimeout } from './timeouts.js';

export interface RoutingOptions {
  /** JUSSI_ACCOUNT_TRANSFER_STEEMD_URL; null when unset. */
  readonly accountTransferUrl: string | null;
  /** JUSSI_RESPONSE_TIMEOUT in milliseconds: the cap on every upstream call. */
  readonly responseTimeoutMs: number;
}

export interface Route {
  /** URLs to try in order; one for a plain jussi config. */
  readonly urls: readonly string[];
  /** The url prefix that matched; null when the account-transfer override applied. */
  readonly urlPrefix: string | null;
  /** Name of the upstream block whose url entry matched; null for the account-transfer override. */
  readonly upstream: string | null;
  readonly accountTransfer: boolean;
  /** The raw ttl of the longest matching ttl prefix (-2, -1, 0 or seconds); null when none matched. */
  readonly ttl: number | null;
  /** The ttl prefix that matched (the cache rule); null when none did. */
  readonly ttlPrefix: string | null;
  readonly timeout: ItemTimeout;
}

export type RouteResult = { readonly ok: true; readonly route: Route } | { readonly ok: false; readonly error: RpcError };

interface UrlTarget {
  readonly urls: readonly string[];
  readonly upstream: string;
}

export interface RoutingTable {
  /** Where a request with this URN goes. Not routable: an InvalidRequest (-32600) naming the namespace. */
  route(urn: Urn): RouteResult;
  /** True when requests of this namespace are translated to `appbase.condenser_api` (jussi's translate_to_appbase). */
  translatesToAppbase(namespace: string): boolean;
  /** Names of the config's upstream blocks. */
  readonly upstreamNames: ReadonlySet<string>;
  /** Every configured url, ttl and timeout prefix. */
  readonly prefixes: ReadonlySet<string>;
  /** Every name component (namespace, api, method) used in a configured prefix; params components excluded. */
  readonly prefixComponents: ReadonlySet<string>;
  /** Every upstream URL of the config (not the account-transfer URL). */
  readonly urls: ReadonlySet<string>;
}

/** The rules configured at one prefix: any of a url target, a ttl and a timeout. */
interface Rules {
  url?: UrlTarget;
  ttl?: number;
  timeout?: number;
}

export function buildRoutingTable(config: NormalisedConfig, options: RoutingOptions): RoutingTable {
  // jussi keeps three tries; one trie holding all three rule kinds per node answers a lookup
  // in a single walk over the URN's components.
  const trie = new PrefixTrie<Rules>();
  const rulesAt = (prefix: string): Rules => {
    let rules = trie.get(prefix);
    if (rules === undefined) {
      rules = {};
      trie.set(prefix, rules);
    }
    return rules;
  };
  for (const e of config.urls) rulesAt(e.prefix).url = { urls: e.value, upstream: e.upstream };
  for (const e of config.ttls) rulesAt(e.prefix).ttl = e.value;
  for (const e of config.timeouts) rulesAt(e.prefix).timeout = e.value;

  const translating = new Set(config.upstreams.filter((u) => u.translateToAppbase).map((u) => u.name));
  const prefixes = new Set([...config.urls, ...config.ttls, ...config.timeouts].map((e) => e.prefix));
  const overrideUrls = options.accountTransferUrl === null ? null : [options.accountTransferUrl];
  const globalMs = options.responseTimeoutMs;

  function route(urn: Urn): RouteResult {
    // Declared through `as`: TypeScript does not see the assignments inside the visitor.
    let url = undefined as UrlTarget | undefined;
    let urlPrefix = null as string | null;
    let ttl = null as number | null;
    let ttlPrefix = null as string | null;
    let timeout = null as number | null;
    let timeoutPrefix = null as string | null;
    // Shortest prefix first: the last one seen of each kind is the longest match.
    trie.prefixesOf(urn.key, (m) => {
      const r = m.value;
      if (r.url !== undefined) {
        url = r.url;
        urlPrefix = m.prefix;
      }
      if (r.ttl !== undefined) {
        ttl = r.ttl;
        ttlPrefix = m.prefix;
      }
      if (r.timeout !== undefined) {
        timeout = r.timeout;
        timeoutPrefix = m.prefix;
      }
    });
    const itemTimeout = effectiveTimeout(timeout, timeoutPrefix, globalMs);
    if (overrideUrls !== null && isAccountTransferRequest(urn)) {
      return { ok: true, route: { urls: overrideUrls, urlPrefix: null, upstream: null, accountTransfer: true, ttl, ttlPrefix, timeout: itemTimeout } };
    }
    if (url === undefined) return { ok: false, error: unroutable(urn) };
    return {
      ok: true,
      route: { urls: url.urls, urlPrefix, upstream: url.upstream, accountTransfer: false, ttl, ttlPrefix, timeout: itemTimeout },
    };
  }

  return {
    route,
    translatesToAppbase: (namespace) => translating.has(namespace),
    upstreamNames: new Set(config.upstreams.map((u) => u.name)),
    prefixes,
    prefixComponents: nameComponents(prefixes),
    urls: new Set(config.urls.flatMap((e) => e.value)),
  };
}

const MAX_NAME_IN_REASON = 100;

function short(name: string): string {
  return name.length > MAX_NAME_IN_REASON ? `${name.slice(0, MAX_NAME_IN_REASON)}...` : name;
}

function unroutable(urn: Urn): RpcError {
  // The URN itself can be long (broadcast params): name the method, not the whole key, and
  // keep client-chosen names short.
  const ns = short(urn.namespace);
  const method = urn.api === undefined ? `${ns}.${short(urn.method)}` : `${ns}.${short(urn.api)}.${short(urn.method)}`;
  const which = urn.hasParams ? `${method} with these params` : method;
  return rpcError('InvalidRequest', {}, `no upstream serves namespace "${ns}": no url prefix matches ${which}`);
}

function nameComponents(prefixes: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of prefixes) {
    for (const component of p.split('.')) {
      if (component.startsWith('params=')) break;
      out.add(component);
    }
  }
  return out;
}
