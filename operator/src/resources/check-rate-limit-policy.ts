// Checks a RateLimitPolicy spec as the CRD does (crds/jussi.io_ratelimitpolicies.yaml) and
// returns it in the proxy document's terms, or every problem found, each naming its field.
// Takes `unknown` because a resource may predate the CRD's current rules; never throws.

import type { RawBucketKey, RawRateLimitBucket } from '@jussi/proxy/config/document';
import type { SpecCheck } from './check-upstream.js';
import { type FieldProblem, isIntegerIn, isRecord } from './field-problem.js';
import { prefixProblem } from './spec-rules.js';

export const BUCKETS_MAX = 64;
export const BUCKET_LIST_MAX = 32;
export const BUCKET_LIMIT_MAX = 1_000_000_000;
export const BUCKET_PERIOD_MAX = 86_400;
/** Bucket and tier names: what the proxy's document schema accepts (edge-schema.ts). */
export const BUCKET_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const BUCKET_NAME_MAX_LENGTH = 63;

export interface CheckedRateLimitSpec {
  /** In spec order, as the document's buckets. */
  readonly buckets: readonly RawRateLimitBucket[];
}

const KEYS: Readonly<Record<string, RawBucketKey>> = { Client: 'client', Subject: 'subject', Global: 'global' };

function nameProblem(value: unknown, what: string): string | null {
  if (typeof value !== 'string' || value.length > BUCKET_NAME_MAX_LENGTH || !BUCKET_NAME_PATTERN.test(value)) {
    return `must be a ${what}: 1 to ${BUCKET_NAME_MAX_LENGTH} lower-case letters, digits or "-", starting and ending with a letter or digit`;
  }
  return null;
}

function list(value: unknown, field: string, problems: FieldProblem[], check: (v: unknown) => string | null): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > BUCKET_LIST_MAX) {
    problems.push({ field, message: `must list 1 to ${BUCKET_LIST_MAX} entries (leave it out to mean all)` });
    return undefined;
  }
  const seen = new Set<unknown>();
  value.forEach((v: unknown, i) => {
    const p = check(v) ?? (seen.has(v) ? `duplicates ${JSON.stringify(v)}` : null);
    seen.add(v);
    if (p !== null) problems.push({ field: `${field}[${i}]`, message: p });
  });
  return value as string[];
}

export function checkRateLimitPolicySpec(spec: unknown): SpecCheck<CheckedRateLimitSpec> {
  if (!isRecord(spec)) return { ok: false, problems: [{ field: 'spec', message: 'is required and must be an object' }] };
  const value = spec['buckets'];
  if (!Array.isArray(value) || value.length === 0 || value.length > BUCKETS_MAX) {
    return { ok: false, problems: [{ field: 'spec.buckets', message: `is required and must list 1 to ${BUCKETS_MAX} buckets` }] };
  }
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  const buckets: RawRateLimitBucket[] = [];
  value.forEach((b: unknown, i) => {
    const field = `spec.buckets[${i}]`;
    if (!isRecord(b)) {
      problems.push({ field, message: 'must be an object with name, key and limit' });
      return;
    }
    const before = problems.length;
    const name = b['name'];
    const np = nameProblem(name, 'bucket name');
    if (np !== null) problems.push({ field: `${field}.name`, message: np });
    else if (names.has(name as string)) problems.push({ field: `${field}.name`, message: `duplicates bucket ${JSON.stringify(name)}; names are unique` });
    if (typeof name === 'string') names.add(name);
    const key = typeof b['key'] === 'string' ? KEYS[b['key']] : undefined;
    if (key === undefined) problems.push({ field: `${field}.key`, message: 'is required and must be one of Client, Subject, Global' });
    const limit = b['limit'];
    if (!isIntegerIn(limit, 1, BUCKET_LIMIT_MAX)) problems.push({ field: `${field}.limit`, message: `is required and must be a whole number from 1 to ${BUCKET_LIMIT_MAX}` });
    const period = b['periodSeconds'];
    if (period !== undefined && !isIntegerIn(period, 1, BUCKET_PERIOD_MAX)) problems.push({ field: `${field}.periodSeconds`, message: `must be a whole number from 1 to ${BUCKET_PERIOD_MAX}` });
    const burst = b['burst'];
    if (burst !== undefined && !isIntegerIn(burst, 1, BUCKET_LIMIT_MAX)) problems.push({ field: `${field}.burst`, message: `must be a whole number from 1 to ${BUCKET_LIMIT_MAX}` });
    const prefixes = list(b['prefixes'], `${field}.prefixes`, problems, (v) => (typeof v === 'string' ? prefixProblem(v) : 'must be a string'));
    const tiers = list(b['tiers'], `${field}.tiers`, problems, (v) => nameProblem(v, 'tier name'));
    if (problems.length > before || key === undefined) return;
    buckets.push({
      name: name as string,
      key,
      limit: limit as number,
      ...(period === undefined ? {} : { period: period as number }),
      ...(burst === undefined ? {} : { burst: burst as number }),
      ...(prefixes === undefined ? {} : { prefixes }),
      ...(tiers === undefined ? {} : { tiers }),
    });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, spec: { buckets } };
}
