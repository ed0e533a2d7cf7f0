// The config document every replica serves to sidecars: what the leader published in the
// ConfigMap (every replica watches it), so all replicas hand out the same text and hash.

import { configHash } from '@jussi/proxy/config/load';

export interface FeedDocument {
  readonly text: string;
  /** sha256 hex of the text: the ETag, and what Programmed compares. */
  readonly hash: string;
}

export class ConfigFeed {
  private current: FeedDocument | null = null;
  private readonly listeners = new Set<(doc: FeedDocument) => void>();

  get(): FeedDocument | null {
    return this.current;
  }

  /** Offers the published text (null: none published); listeners hear only real changes. */
  set(text: string | null, hash?: string): void {
    if (text === null) return;
    if (this.current?.text === text) return;
    const doc = { text, hash: hash ?? configHash(text) };
    this.current = doc;
    for (const l of [...this.listeners]) l(doc);
  }

  onChange(listener: (doc: FeedDocument) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
