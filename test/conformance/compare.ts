// Comparing the proxy's answers with jussi's vectors: the vectors' placeholders (`<uuid4>`,
// `<echo>`, `<int: ...>`) and the one extra member ARCHITECTURE allows (`error.data.reason`,
// item 10). Shared by the HTTP-level conformance suites.
import assert from 'node:assert/strict';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `expected` ⊆ `actual` for objects (recursively), equality elsewhere. */
export function subsetOf(expected: unknown, actual: unknown): boolean {
  if (isRecord(expected)) return isRecord(actual) && Object.keys(expected).every((k) => subsetOf(expected[k], actual[k]));
  try {
    assert.deepStrictEqual(actual, expected);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deep comparison with the vectors' placeholders: `<uuid4>` matches the response's error id,
 * `<echo>`/`<int: …>` any value; `error.data.reason` is allowed in addition (item 10).
 */
export function matchesExpected(expected: unknown, actual: unknown, errorId: string | null, path = ''): string | null {
  if (expected === '<uuid4>') {
    return typeof actual === 'string' && UUID.test(actual) && (errorId === null || actual === errorId) ? null : `${path}: expected the error id, got ${JSON.stringify(actual)}`;
  }
  if (typeof expected === 'string' && /^<(echo|int: .*)>$/.test(expected)) return null;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const d = matchesExpected(expected[i], actual[i], errorId, `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    const extra = Object.keys(actual).filter((k) => !(k in expected) && !(k === 'reason' && path.endsWith('.error.data')));
    if (extra.length > 0) return `${path}: unexpected members ${extra.join(', ')} in ${JSON.stringify(actual)}`;
    for (const k of Object.keys(expected)) {
      const d = matchesExpected(expected[k], actual[k], errorId, `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(expected, actual) || expected === actual ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/**
 * An answer body as a stable value for deliberate-differences.json: error ids (random uuid4s)
 * written "<uuid4>", and without `error.data.reason` (item 10; it may name a test's random port).
 */
export function stableAnswer(answer: unknown): unknown {
  if (Array.isArray(answer)) return answer.map(stableAnswer);
  if (!isRecord(answer) || !isRecord(answer['error']) || !isRecord(answer['error']['data'])) return answer;
  const { reason: _reason, error_id: errorId, ...data } = answer['error']['data'];
  const shownId = typeof errorId === 'string' && UUID.test(errorId) ? '<uuid4>' : errorId;
  return { ...answer, error: { ...answer['error'], data: { error_id: shownId, ...data } } };
}
