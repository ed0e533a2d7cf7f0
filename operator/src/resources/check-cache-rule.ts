// Checks a CacheRule spec as the CRD does (crds/jussi.io_cacherules.yaml) and returns it in a
// checked form, or every problem found, each naming its field. Never throws.

import type { TtlPolicy } from './types.js';
import type { SpecCheck } from './check-upstream.js';
import { type FieldProblem, isIntegerIn, isRecord } from './field-problem.js';
import { RULES_MAX, TTL_SECONDS_MAX, namespaceProblem, prefixNamespace, prefixProblem } from './spec-rules.js';

export interface CheckedCacheRule {
  readonly prefix: string;
  readonly policy: TtlPolicy;
  /** Set only with policy Seconds. */
  readonly seconds: number | null;
}

export interface CheckedCacheRuleSpec {
  readonly rules: readonly CheckedCacheRule[];
}

const POLICIES: ReadonlySet<string> = new Set<TtlPolicy>(['Seconds', 'NoExpiry', 'NoCache', 'Irreversible']);

function isPolicy(value: unknown): value is TtlPolicy {
  return typeof value === 'string' && POLICIES.has(value);
}

export function checkCacheRuleSpec(spec: unknown): SpecCheck<CheckedCacheRuleSpec> {
  if (!isRecord(spec)) return { ok: false, problems: [{ field: 'spec', message: 'is required and must be an object' }] };
  const value = spec['rules'];
  if (!Array.isArray(value) || value.length === 0 || value.length > RULES_MAX) {
    return { ok: false, problems: [{ field: 'spec.rules', message: `is required and must list 1 to ${RULES_MAX} rules` }] };
  }
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const rules: CheckedCacheRule[] = [];
  value.forEach((rule: unknown, i) => {
    const field = `spec.rules[${i}]`;
    if (!isRecord(rule)) {
      problems.push({ field, message: 'must be an object with prefix and policy' });
      return;
    }
    const before = problems.length;
    const prefix = rule['prefix'];
    if (typeof prefix !== 'string') {
      problems.push({ field: `${field}.prefix`, message: 'is required and must be a string' });
    } else {
      const p = prefixProblem(prefix) ?? namespaceProblem(prefixNamespace(prefix));
      if (p !== null) problems.push({ field: `${field}.prefix`, message: p });
      else if (seen.has(prefix)) problems.push({ field: `${field}.prefix`, message: `duplicates prefix ${JSON.stringify(prefix)}; each prefix may appear once` });
      seen.add(prefix);
    }
    const policy = rule['policy'];
    const seconds = rule['seconds'];
    if (!isPolicy(policy)) {
      problems.push({ field: `${field}.policy`, message: 'is required and must be one of Seconds, NoExpiry, NoCache, Irreversible' });
    } else if (policy === 'Seconds' && seconds === undefined) {
      problems.push({ field, message: 'policy Seconds needs seconds (1 or more)' });
    } else if (policy !== 'Seconds' && seconds !== undefined) {
      problems.push({ field, message: 'seconds is only allowed with policy Seconds (NoExpiry, NoCache and Irreversible take no seconds)' });
    }
    if (seconds !== undefined && !isIntegerIn(seconds, 1, TTL_SECONDS_MAX)) {
      problems.push({ field: `${field}.seconds`, message: `must be a whole number from 1 to ${TTL_SECONDS_MAX}` });
    }
    if (problems.length === before && typeof prefix === 'string' && isPolicy(policy)) {
      rules.push({ prefix, policy, seconds: policy === 'Seconds' && typeof seconds === 'number' ? seconds : null });
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, spec: { rules } };
}
