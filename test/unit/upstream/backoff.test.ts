import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelay } from '@jussi/proxy/upstream/backoff';

describe('reconnectDelay', () => {
  // [failures, random, expected] with min 100 ms, max 30 s: half the step fixed, half jitter.
  const table: readonly (readonly [number, number, number])[] = [
    [0, 0.5, 0],
    [1, 0, 50],
    [1, 0.999, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [10, 0, 15_000],
    [10, 0.999, 29_985],
    [50, 0, 15_000],
    [5000, 0.5, 22_500],
  ];
  for (const [failures, random, expected] of table) {
    it(`attempt after ${failures} failures, jitter ${random} -> ${expected} ms`, () => {
      assert.equal(reconnectDelay(failures, 100, 30_000, () => random), expected);
    });
  }

  it('stays within [step/2, step] and never above max', () => {
    for (let failures = 1; failures < 40; failures += 1) {
      const step = Math.min(30_000, 100 * 2 ** (failures - 1));
      const d = reconnectDelay(failures, 100, 30_000);
      assert.ok(d >= step / 2 - 1 && d <= step + 1, `failures ${failures}: ${d}`);
    }
  });
});
