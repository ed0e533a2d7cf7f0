// The documents published recently, each with what it holds of every resource (its
// contribution: generation, and a CacheRule's waiting rules). A resource is Programmed on a proxy
// when the document that proxy runs holds the resource as it is now, whichever document that is:
// so publishing a change to one resource does not make every other resource Pending (and
// rewrite its status) while the proxies load the new document. A proxy running a document older
// than the history counts as not programmed until it loads a newer one.

import type { Publication } from './inputs.js';

export const PUBLISHED_HISTORY_LIMIT = 32;

export class PublishedHistory {
  private readonly docs = new Map<string, ReadonlyMap<string, string>>();
  private latestHash: string | null = null;

  constructor(private readonly limit = PUBLISHED_HISTORY_LIMIT) {}

  /** Records a published document (now the latest) and what it holds. */
  record(hash: string, contributions: ReadonlyMap<string, string>): void {
    this.docs.delete(hash);
    this.docs.set(hash, contributions);
    this.latestHash = hash;
    while (this.docs.size > this.limit) {
      const oldest = this.docs.keys().next().value;
      if (oldest === undefined || oldest === this.latestHash) break;
      this.docs.delete(oldest);
    }
  }

  /** The latest published document's hash, or null before the first. */
  latest(): string | null {
    return this.latestHash;
  }

  /** What status computation needs to know about one resource whose contribution is now `current`. */
  publicationOf(key: string, current: string | null): Publication {
    const latest = this.latestHash;
    const holds = (hash: string | null): boolean => current !== null && hash !== null && this.docs.get(hash)?.get(key) === current;
    return { published: latest !== null, inLatest: holds(latest), runs: holds };
  }
}
