// Kubernetes resource quantities as people write them in annotations ("100m", "1.5", "256Mi",
// "1G"): validated with the API server's grammar (decimal or binary suffix, or an exponent),
// and memory converted to bytes where the sidecar needs a number.

const QUANTITY = /^\+?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?\d+)?$/;

const FACTORS: Readonly<Record<string, number>> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function isQuantity(text: string): boolean {
  return QUANTITY.test(text.trim());
}

/** The quantity's value in base units (bytes for memory, cores for CPU), or null when malformed. */
export function quantityValue(text: string): number | null {
  const m = QUANTITY.exec(text.trim());
  if (m === null || m[1] === undefined) return null;
  const suffix = m[3] ?? '';
  const base = Number(m[1]);
  if (/^[eE]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  const factor = FACTORS[suffix];
  return factor === undefined ? null : base * factor;
}
