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
 * Resource key -> generation, for every resource a render accepted into its document. Keep it
 * with the hash you publish: it answers "which generation of this resource does the published
 * document hold?" (status/inputs.ts publishedFor).
 */
export function acceptedGenerations(verdicts: ReadonlyMap<string, Verdict>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, v] of verdicts) if (v.accepted) out.set(key, v.generation);
  return out;
}
