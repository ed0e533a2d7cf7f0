// Which rate-limit buckets count one call: those of the caller's tier (or of every tier) whose
// prefixes match the call's final URN component by component (or that have no prefixes). Built
// once per config snapshot; a lookup is one trie walk and allocates nothing when the answer is
// the same list as last time for that tier.

import type { BucketConfig } from '../config/edge-config.js';
import { PrefixTrie } from '../routing/prefix-trie.js';
import { limitsOf, type BucketLimits } from './token-bucket.js';

export interface BucketRef {
  readonly config: BucketConfig;
  readonly limits: BucketLimits;
}

interface TierView {
  /** Buckets without prefixes: they count every call. */
  readonly everyCall: readonly BucketRef[];
  readonly byPrefix: PrefixTrie<readonly BucketRef[]>;
}

const NONE: readonly BucketRef[] = [];

export class BucketTable {
  readonly buckets: readonly BucketRef[];
  private readonly views = new Map<string, TierView>();
  /** Buckets of no particular tier: the view of a tier no bucket names. */
  private readonly untiered: TierView;

  constructor(configs: readonly BucketConfig[]) {
    this.buckets = configs.map((config) => ({ config, limits: limitsOf(config.ratePerSecond, config.burst) }));
    this.untiered = view(this.buckets.filter((b) => b.config.tiers === null));
    const tiers = new Set(configs.flatMap((c) => c.tiers ?? []));
    for (const tier of tiers) this.views.set(tier, view(this.buckets.filter((b) => b.config.tiers === null || b.config.tiers.includes(tier))));
  }

  get empty(): boolean {
    return this.buckets.length === 0;
  }

  /** The buckets counting a call of `urnKey` by a caller of `tier`, in configuration order. */
  bucketsFor(tier: string, urnKey: string): readonly BucketRef[] {
    const v = this.views.get(tier) ?? this.untiered;
    if (v.byPrefix.size === 0) return v.everyCall;
    let found: BucketRef[] | null = null;
    v.byPrefix.prefixesOf(urnKey, (match) => {
      found ??= [...v.everyCall];
      for (const b of match.value) if (!found.includes(b)) found.push(b);
    });
    return found ?? v.everyCall;
  }
}

function view(buckets: readonly BucketRef[]): TierView {
  const byPrefix = new PrefixTrie<readonly BucketRef[]>();
  const lists = new Map<string, BucketRef[]>();
  for (const b of buckets) {
    for (const prefix of b.config.prefixes) {
      const list = lists.get(prefix) ?? [];
      list.push(b);
      lists.set(prefix, list);
    }
  }
  for (const [prefix, list] of lists) byPrefix.set(prefix, list);
  const everyCall = buckets.filter((b) => b.config.prefixes.length === 0);
  return { everyCall: everyCall.length === 0 ? NONE : everyCall, byPrefix };
}
