// A promise raced against a timer, as a value that never rejects. The losing promise keeps a
// handler, so a late rejection is never unhandled; the timer is cleared as soon as it settles.

export type Settled<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' };

const TIMEOUT: Settled<never> = { kind: 'timeout' };

export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(TIMEOUT), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'ok', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}
