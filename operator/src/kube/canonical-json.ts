// JSON text with object keys sorted: two values compare equal exactly when their canonical
// texts do, whatever order their keys were built in.

export function canonicalJson(value: unknown): string {
  const text: string | undefined = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
  // JSON.stringify(undefined) is undefined at run time, whatever its declared type says.
  return text === undefined ? 'undefined' : text;
}
