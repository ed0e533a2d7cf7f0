// A problem with one field of a resource, named the way `kubectl explain` names it.

export interface FieldProblem {
  /** e.g. `spec.routes[2].url`. */
  readonly field: string;
  readonly message: string;
}

export function formatFieldProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}

/** Narrowing helpers for values that arrive typed but unchecked (informer caches, tests). */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
