// Waiting helpers for tests on a shared, slow machine: poll a condition with a generous
// deadline instead of sleeping a fixed time.
//
//   await waitFor(() => upstream.connections === 0, { message: 'sockets closed' });
//   const port = await freePort();

import { createServer } from 'node:net';

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Poll period (default 10 ms). */
  readonly intervalMs?: number;
  /** Said in the error when the deadline passes. */
  readonly message?: string;
}

/**
 * Polls `condition` until it returns a truthy value and returns that value; rejects with
 * `message` (and the last error the condition threw, if any) when the deadline passes.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 10;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor: ${options.message ?? 'condition'} not met within ${options.timeoutMs ?? 10_000} ms${detail}`);
    }
    await sleep(interval);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for "server comes up later" tests). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('freePort: no TCP address');
  return address.port;
}
