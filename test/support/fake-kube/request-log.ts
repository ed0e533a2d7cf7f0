// Every request the fake API server received, so tests can assert what a client sent: verbs,
// field managers, content types, bodies, and that nothing was written when nothing changed.

import type { Verb } from './faults.js';

export interface RequestRecord {
  readonly seq: number;
  /** Arrival time, epoch ms. */
  readonly at: number;
  readonly method: string;
  readonly verb: Verb | 'unknown';
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Media type without parameters, or null. */
  readonly contentType: string | null;
  /** Parsed body (JSON, or YAML for apply patches), or the raw text when it did not parse; undefined when empty. */
  readonly body: unknown;
  readonly bodyText: string;
  readonly subresource: string | null;
  /** The Authorization header sent, or null. */
  readonly authorization: string | null;
  /** Response status (200 for a watch that was accepted). */
  status: number;
}

export interface RequestFilter {
  readonly verb?: Verb | readonly Verb[];
  readonly method?: string;
  /** Substring of the path, or a pattern. */
  readonly path?: string | RegExp;
}

export const WRITE_VERBS: readonly Verb[] = ['create', 'update', 'patch', 'delete'];

export function recordMatches(r: RequestRecord, f: RequestFilter): boolean {
  if (f.method !== undefined && r.method !== f.method.toUpperCase()) return false;
  if (f.verb !== undefined) {
    const verbs: readonly string[] = typeof f.verb === 'string' ? [f.verb] : f.verb;
    if (!verbs.includes(r.verb)) return false;
  }
  if (f.path !== undefined) {
    if (typeof f.path === 'string' ? !r.path.includes(f.path) : !f.path.test(r.path)) return false;
  }
  return true;
}
