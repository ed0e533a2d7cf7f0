// What render decided about one resource. Status turns it into the Accepted condition.

import type { JussiKind } from '../resources/resource-key.js';

/**
 * - Accepted: part of the document (a CacheRule may still have rules waiting for an upstream).
 * - Invalid: a field breaks a rule the proxy or the CRD enforces; the message names it.
 * - Conflicted: an older resource already defines the same namespace or prefix.
 * - NoUpstream: a CacheRule none of whose rules has an accepted JsonRpcUpstream for its namespace.
 * - Deleting: metadata.deletionTimestamp is set; left out while Kubernetes finishes the deletion.
 */
export type VerdictReason = 'Accepted' | 'Invalid' | 'Conflicted' | 'NoUpstream' | 'Deleting';

export interface Verdict {
  readonly kind: JussiKind;
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation the verdict is about (0 when the resource has none). */
  readonly generation: number;
  readonly accepted: boolean;
  readonly reason: VerdictReason;
  /** For people: what was accepted, or what to change. */
  readonly message: string;
  /** Conflicted: `namespace/name` of the (first) older resource that won. */
  readonly conflictsWith?: string;
  /** CacheRule: prefixes left out because no accepted JsonRpcUpstream serves their namespace. */
  readonly waitingPrefixes?: readonly string[];
}

/** Condition messages are bounded (the CRD allows 32768; people read far less). */
export const MESSAGE_MAX = 4096;

export function boundMessage(message: string): string {
  return message.length <= MESSAGE_MAX ? message : `${message.slice(0, MESSAGE_MAX - 1)}…`;
}

/** `a`, `a and b`, `a, b and 3 more` — lists in messages stay short. */
export function listForPeople(items: readonly string[], shown = 5): string {
  if (items.length <= 1) return items.join('');
  if (items.length <= shown) return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What a document holds of one resource, as a token that changes exactly when the resource's
 * part of the proxies' config does: its generation, and for a CacheRule the rules still waiting
 * for an upstream (they join the document, at the same generation, once one serves their
 * namespace). null when the resource is not accepted (the document holds none of it).
 */
export function contributionOf(verdict: Verdict): string | null {
  if (!verdict.accepted) return null;
  const waiting = verdict.waitingPrefixes ?? [];
  return waiting.length === 0 ? `${verdict.generation}` : `${verdict.generation} waiting ${[...waiting].sort().join(',')}`;
}

/**
 * Resource key -> contribution, for every resource a render accepted into its document. Keep it
 * with the hash you publish (status/published-history.ts): it answers "does the document this
 * proxy runs hold this resource as it is now?".
 */
export function acceptedContributions(verdicts: ReadonlyMap<string, Verdict>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, v] of verdicts) {
    const c = contributionOf(v);
    if (c !== null) out.set(key, c);
  }
  return out;
}
