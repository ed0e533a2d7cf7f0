// Identical requests in flight share one upstream call: the first caller of a key runs the
// function, later callers of the same key get the same promise until it settles (resolved or
// rejected: a failure is shared too). A resolved call may stay joinable a little longer: until
// the promise `hold` returns settles (the pipeline's cache write landing), so that a request
// whose cache lookup missed just before the write landed joins the answer instead of calling
// upstream again. Then the entry is removed, so the map holds only calls in flight or landing;
// past `maxKeys` distinct keys, calls run unshared rather than grow the map. Which requests may
// share (cacheable reads only) is the pipeline's decision.

export interface SingleflightStats {
  /** Calls that ran the function for their key, shared with whoever joined. */
  readonly started: number;
  /** Calls that joined a call already in flight. */
  readonly joined: number;
  /** Calls that ran unshared because `maxKeys` calls were in flight. */
  readonly bypassed: number;
}

export const DEFAULT_SINGLEFLIGHT_MAX_KEYS = 10_000;

export class Singleflight<T> {
  private readonly calls = new Map<string, Promise<T>>();
  private started = 0;
  private joined = 0;
  private bypassed = 0;

  constructor(private readonly maxKeys: number = DEFAULT_SINGLEFLIGHT_MAX_KEYS) {}

  /**
   * @param hold called with the value once `fn` resolved; while the promise it returns is
   *   pending the call stays joinable (undefined: removed at once). Not called on rejection.
   */
  do(key: string, fn: () => Promise<T>, hold?: (value: T) => Promise<unknown> | undefined): Promise<T> {
    const existing = this.calls.get(key);
    if (existing !== undefined) {
      this.joined += 1;
      return existing;
    }
    const promise = invoke(fn);
    if (this.calls.size >= this.maxKeys) {
      this.bypassed += 1;
      return promise;
    }
    this.started += 1;
    this.calls.set(key, promise);
    const forget = (): void => {
      if (this.calls.get(key) === promise) this.calls.delete(key);
    };
    promise.then((value) => {
      let held: Promise<unknown> | undefined;
      try {
        held = hold?.(value);
      } catch {
        held = undefined;
      }
      if (held === undefined) forget();
      else held.then(forget, forget);
    }, forget);
    return promise;
  }

  /** Distinct keys in flight. */
  get size(): number {
    return this.calls.size;
  }

  stats(): SingleflightStats {
    return { started: this.started, joined: this.joined, bypassed: this.bypassed };
  }
}

/** Runs fn so that a synchronous throw becomes a rejected promise like any other failure. */
function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
