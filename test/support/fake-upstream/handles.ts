// Leak checks: node's list of active (ref'd) resources, by type. Take a snapshot before a test
// and wait, after closing everything, until no more sockets, servers or ref'd timers are active
// than before.
//
//   const before = resourceSnapshot();
//   ... start servers and pools, run, close them ...
//   await waitForNoLeaks(before);

import { waitFor } from './wait.js';

/** Resource types a network test can leak. */
export const LEAK_TYPES = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'TCPConnectWrap'] as const;

export type ResourceSnapshot = Readonly<Record<string, number>>;

export function resourceSnapshot(): ResourceSnapshot {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Types whose count is above the snapshot's, as "Type: before -> now". */
export function leaksSince(before: ResourceSnapshot, types: readonly string[] = LEAK_TYPES): string[] {
  const now = resourceSnapshot();
  return types.filter((t) => (now[t] ?? 0) > (before[t] ?? 0)).map((t) => `${t}: ${before[t] ?? 0} -> ${now[t] ?? 0}`);
}

export async function waitForNoLeaks(before: ResourceSnapshot, timeoutMs = 10_000): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(
      () => {
        last = leaksSince(before);
        return last.length === 0;
      },
      { timeoutMs },
    );
  } catch {
    throw new Error(`leaked resources: ${last.join(', ')}`);
  }
}
