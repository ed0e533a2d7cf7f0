// The order of status writes and the per-item retry backoff, as pure logic over a clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ItemBackoff } from '@jussi/operator/kube/item-backoff';
import { StatusQueue } from '@jussi/operator/kube/status-queue';
import type { KubeErrorInfo } from '@jussi/proxy/kube/errors';

function drain(q: StatusQueue<string>, now = 0): string[] {
  const out: string[] = [];
  for (;;) {
    const e = q.next(now);
    if (typeof e === 'number') return out;
    out.push(e.key);
  }
}

const error = (status: number | null, reason: string | null = null, retryAfterMs: number | null = null): KubeErrorInfo =>
  ({ status, reason, message: `HTTP ${status ?? 'none'}`, retryAfterMs, aborted: false });

describe('StatusQueue', () => {
  it('urgent entries before figures; oldest first within each', () => {
    const q = new StatusQueue<string>();
    q.put('fig-a', '', { urgent: false, wave: 0, notBefore: 0 });
    q.put('new-a', '', { urgent: true, wave: 0, notBefore: 0 });
    q.put('fig-b', '', { urgent: false, wave: 0, notBefore: 0 });
    q.put('new-b', '', { urgent: true, wave: 0, notBefore: 0 });
    assert.deepEqual(drain(q), ['new-a', 'new-b', 'fig-a', 'fig-b']);
  });

  it('serves waves round-robin, so a later small wave is not behind an earlier bulk', () => {
    const q = new StatusQueue<string>();
    for (let i = 0; i < 5; i++) q.put(`bulk-${i}`, '', { urgent: true, wave: 1, notBefore: 0 });
    const first = q.next(0);
    assert.equal(typeof first === 'number' ? null : first.key, 'bulk-0');
    q.put('edit', '', { urgent: true, wave: 2, notBefore: 0 });
    q.put('edit-2', '', { urgent: true, wave: 2, notBefore: 0 });
    assert.deepEqual(drain(q), ['edit', 'bulk-1', 'edit-2', 'bulk-2', 'bulk-3', 'bulk-4']);
  });

  it('a replaced entry keeps its place; a restored one comes back where it was', () => {
    const q = new StatusQueue<string>();
    for (const k of ['a', 'b', 'c']) q.put(k, 'v1', { urgent: false, wave: 0, notBefore: 0 });
    q.put('a', 'v2', { urgent: false, wave: 0, notBefore: 0 });
    const a = q.next(0);
    assert.ok(typeof a !== 'number' && a.value === 'v2');
    q.restore(a, 0);
    assert.deepEqual(drain(q), ['a', 'b', 'c']);
  });

  it('holds entries until notBefore and everything until pausedUntil, and says how long', () => {
    const q = new StatusQueue<string>();
    q.put('later', '', { urgent: true, wave: 0, notBefore: 500 });
    q.put('now', '', { urgent: false, wave: 0, notBefore: 0 });
    assert.equal(q.next(0, 200), 200);
    const e = q.next(200);
    assert.ok(typeof e !== 'number' && e.key === 'now');
    assert.equal(q.next(200), 300);
    assert.deepEqual(drain(q, 500), ['later']);
    assert.equal(q.next(500), Number.POSITIVE_INFINITY);
  });
});

describe('ItemBackoff', () => {
  it('doubles from the base to the cap per item, honours Retry-After, and resets on success', () => {
    const b = new ItemBackoff({ baseMs: 100, capMs: 1000 }, () => 1);
    const delays = [1, 2, 3, 4, 5, 6].map((i) => b.failed('x', error(403), i * 10_000).delayMs);
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.failures('x'), 6);
    assert.equal(b.retryAt('x'), 60_000 + 1000);
    assert.equal(b.retryAt('other'), 0, 'items are independent');
    assert.equal(b.failed('x', error(429, null, 5000), 0).delayMs, 5000, 'Retry-After wins when longer');
    assert.equal(b.succeeded('x'), 7);
    assert.equal(b.succeeded('x'), 0);
    assert.equal(b.failed('x', error(403), 0).delayMs, 100, 'from the bottom again');
  });

  it('retries an unreachable API at the fixed short period, however long it lasts', () => {
    const b = new ItemBackoff({ baseMs: 100, capMs: 60_000, unreachableMs: 1000 }, () => 1);
    for (let i = 0; i < 20; i++) assert.equal(b.failed('x', error(null), 0).delayMs, 1000);
  });

  it('reports a change of state: the first failure and a different error, not repeats', () => {
    const b = new ItemBackoff({}, () => 1);
    const changes = [error(403), error(403), error(403, 'Forbidden'), error(403, 'Forbidden'), error(null), error(null)].map((e) => b.failed('x', e, 0).stateChanged);
    assert.deepEqual(changes, [true, false, true, false, true, false]);
    assert.equal(b.failing, 1);
    b.forget('x');
    assert.equal(b.failing, 0);
  });
});
