// A component-wise longest-prefix trie with pygtrie `StringTrie(separator='.')` semantics, as
// jussi routes with: keys are split on ".", and a prefix matches only whole components
// (`steemd.database_api.get_bl` does not match `...get_block`; `params=[666]` matches only the
// params component `params=[666]`). Setting a prefix again replaces its value (later wins).

export interface PrefixMatch<V> {
  readonly prefix: string;
  readonly value: V;
}

interface TrieNode<V> {
  children: Map<string, TrieNode<V>> | undefined;
  match: PrefixMatch<V> | undefined;
}

function node<V>(): TrieNode<V> {
  return { children: undefined, match: undefined };
}

export class PrefixTrie<V> {
  private readonly root: TrieNode<V> = node();
  private count = 0;

  /** Number of distinct prefixes. */
  get size(): number {
    return this.count;
  }

  set(prefix: string, value: V): void {
    let at = this.root;
    for (const component of prefix.split('.')) {
      at.children ??= new Map();
      let next = at.children.get(component);
      if (next === undefined) {
        next = node();
        at.children.set(component, next);
      }
      at = next;
    }
    if (at.match === undefined) this.count += 1;
    at.match = { prefix, value };
  }

  /** The longest configured prefix whose components equal the leading components of `key`. */
  longestPrefix(key: string): PrefixMatch<V> | undefined {
    let at = this.root;
    let best: PrefixMatch<V> | undefined;
    let start = 0;
    // Walks the key in place: one substring per component, no split array.
    for (;;) {
      const dot = key.indexOf('.', start);
      const next = at.children?.get(dot < 0 ? key.slice(start) : key.slice(start, dot));
      if (next === undefined) return best;
      at = next;
      if (at.match !== undefined) best = at.match;
      if (dot < 0) return best;
      start = dot + 1;
    }
  }

  /**
   * Every configured prefix of `key`, shortest first: one walk that serves several rule kinds
   * stored on the same nodes. Stops at the first component without a node.
   */
  prefixesOf(key: string, visit: (match: PrefixMatch<V>) => void): void {
    let at = this.root;
    let start = 0;
    for (;;) {
      const dot = key.indexOf('.', start);
      const next = at.children?.get(dot < 0 ? key.slice(start) : key.slice(start, dot));
      if (next === undefined) return;
      at = next;
      if (at.match !== undefined) visit(at.match);
      if (dot < 0) return;
      start = dot + 1;
    }
  }

  /** The value at exactly `prefix`, if set. */
  get(prefix: string): V | undefined {
    let at: TrieNode<V> | undefined = this.root;
    for (const component of prefix.split('.')) {
      at = at.children?.get(component);
      if (at === undefined) return undefined;
    }
    return at.match?.value;
  }

  *entries(): IterableIterator<PrefixMatch<V>> {
    const stack: TrieNode<V>[] = [this.root];
    while (stack.length > 0) {
      const n = stack.pop() as TrieNode<V>;
      if (n.match !== undefined) yield n.match;
      if (n.children !== undefined) for (const child of n.children.values()) stack.push(child);
    }
  }
}
