// Conditions in the Kubernetes convention. lastTransitionTime changes only when a condition's
// status changes, so recomputing an unchanged status gives an identical one (and no write).

import type { Condition } from '../resources/types.js';
import { boundMessage } from '../render/verdict.js';

export type ConditionStatus = Condition['status'];

/** RFC 3339 with whole seconds, as the API server writes metav1.Time. */
export function kubeTime(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface ConditionFacts {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export function condition(
  facts: ConditionFacts,
  generation: number,
  previous: readonly Condition[] | undefined,
  now: Date,
): Condition {
  const before = previous?.find((c) => c.type === facts.type);
  const kept = before !== undefined && before.status === facts.status && typeof before.lastTransitionTime === 'string';
  return {
    type: facts.type,
    status: facts.status,
    reason: facts.reason,
    message: boundMessage(facts.message),
    observedGeneration: generation,
    lastTransitionTime: kept ? before.lastTransitionTime : kubeTime(now),
  };
}
