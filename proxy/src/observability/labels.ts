// Bounded metric label values for a JSON-RPC method. A label value is either taken from the
// config (upstream names, components of configured prefixes), from the built-in API catalogue,
// or replaced by a fixed word; a client string that is neither never becomes a label, so no
// request can create new series.

import { LRUCache } from 'lru-cache';
import type { NormalisedConfig } from '../config/document.js';
import { API_CATALOGUE } from './api-catalogue.js';
import type { MethodLabels } from './types.js';

/** The namespace is not a configured one. */
export const UNKNOWN = 'unknown';
/** The api or method is neither in the catalogue nor in a configured prefix. */
export const OTHER = 'other';
/** The method has no api part (`hive.db_head_state`, `bridge.get_ranked_posts`). */
export const NO_API = 'none';

/** For items that never got a URN (parse errors, invalid requests). */
export const UNPARSED_LABELS: MethodLabels = Object.freeze({ namespace: UNKNOWN, api: OTHER, method: OTHER });

/** The parts of a URN the labels are made from (an `Urn` from jsonrpc/ fits). */
export interface UrnParts {
  readonly namespace: string;
  readonly api: string | undefined;
  readonly method: string;
}

export interface KnownNames {
  /** Namespaces that may appear as a label: configured upstream names and prefix heads. */
  readonly namespaces: ReadonlySet<string>;
  /** api/method components of configured prefixes. */
  readonly parts: ReadonlySet<string>;
}

export interface LabelSource {
  /** Configured upstream block names. */
  readonly names: Iterable<string>;
  /** Every configured prefix (urls, ttls, timeouts). */
  readonly prefixes: Iterable<string>;
}

export function knownNames(source: LabelSource): KnownNames {
  const namespaces = new Set<string>(source.names);
  const parts = new Set<string>();
  for (const prefix of source.prefixes) {
    // A params component may contain dots; only the components before it are names.
    const cut = prefix.indexOf('.params=');
    const head = cut >= 0 ? prefix.slice(0, cut) : prefix;
    if (head === '' || head.startsWith('params=')) continue;
    const components = head.split('.');
    const first = components[0];
    if (first !== undefined && first !== '') namespaces.add(first);
    for (const part of components.slice(1, 3)) if (part !== '') parts.add(part);
  }
  return { namespaces, parts };
}

export function labelSourceFromConfig(config: NormalisedConfig): LabelSource {
  return {
    names: config.upstreams.map((u) => u.name),
    prefixes: [...config.urls, ...config.ttls, ...config.timeouts].map((e) => e.prefix),
  };
}

/** Pure: the bounded labels of one URN (not interned; see `MethodLabeler` for the hot path). */
export function boundedLabels(urn: UrnParts, known: KnownNames): MethodLabels {
  const namespace = known.namespaces.has(urn.namespace) ? urn.namespace : UNKNOWN;
  let api: string;
  // Two-part methods (`bridge.get_ranked_posts`) list their methods under the namespace.
  let group: string;
  if (urn.api === undefined) {
    api = NO_API;
    group = urn.namespace;
  } else {
    api = API_CATALOGUE.has(urn.api) || known.parts.has(urn.api) ? urn.api : OTHER;
    group = urn.api;
  }
  const method = API_CATALOGUE.get(group)?.has(urn.method) === true || known.parts.has(urn.method) ? urn.method : OTHER;
  return { namespace, api, method };
}

export const DEFAULT_LABEL_CACHE_SIZE = 10_000;

/**
 * Labels for the request path: computed once per distinct (namespace, api, method) in a bounded
 * LRU cache, and interned, so equal labels are the same frozen object (metrics key their
 * per-series children on that identity). Build a new one when the config changes.
 */
export class MethodLabeler {
  private readonly known: KnownNames;
  private readonly cache: LRUCache<string, MethodLabels>;
  private readonly interned = new Map<string, MethodLabels>();

  constructor(source: LabelSource, cacheSize: number = DEFAULT_LABEL_CACHE_SIZE) {
    this.known = knownNames(source);
    this.cache = new LRUCache({ max: Math.max(1, cacheSize) });
  }

  static fromConfig(config: NormalisedConfig, cacheSize?: number): MethodLabeler {
    return new MethodLabeler(labelSourceFromConfig(config), cacheSize);
  }

  labels(urn: UrnParts): MethodLabels {
    // Length-prefixed parts: any character may occur in a part (`call` takes api and method from
    // params), and an ambiguous key would let one client's request decide another's labels.
    const api = urn.api === undefined ? '-' : `${urn.api.length}:${urn.api}`;
    const key = `${urn.namespace.length}:${urn.namespace}${api}${urn.method}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const labels = this.intern(boundedLabels(urn, this.known));
    this.cache.set(key, labels);
    return labels;
  }

  /** Distinct label tuples produced so far (bounded by the config and the catalogue). */
  get distinctLabels(): number {
    return this.interned.size;
  }

  private intern(labels: MethodLabels): MethodLabels {
    const key = `${labels.namespace}\u0000${labels.api}\u0000${labels.method}`;
    const existing = this.interned.get(key);
    if (existing !== undefined) return existing;
    const frozen = Object.freeze({ namespace: labels.namespace, api: labels.api, method: labels.method });
    this.interned.set(key, frozen);
    return frozen;
  }
}
