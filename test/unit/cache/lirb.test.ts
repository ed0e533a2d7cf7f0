// The LIRB tracker without Redis: learning from answers and from its poll function (the lead
// injects one that asks the upstream). Sharing through Redis is in test/integration/cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LirbTracker, lirbFromResult } from '@jussi/proxy/cache/lirb';
import { waitUntil } from '../../support/redis/redis-server.js';

const gdgp = (n: unknown) => ({ head_block_number: 1, last_irreversible_block_num: n });

describe('LIRB tracker', () => {
  it('reads last_irreversible_block_num of a get_dynamic_global_properties result', () => {
    const table: [unknown, number | null][] = [
      [gdgp(123), 123],
      [gdgp(0), 0],
      [gdgp(-1), null],
      [gdgp(1.5), null],
      [gdgp('123'), null],
      [gdgp(2 ** 60), null],
      [{}, null],
      [null, null],
      [[gdgp(1)], null],
    ];
    for (const [result, expected] of table) assert.equal(lirbFromResult(result), expected, JSON.stringify(result));
  });

  it('starts unknown, learns from answers, never moves backwards', () => {
    const t = new LirbTracker({ pollIntervalSeconds: 0 });
    assert.equal(t.current(), null);
    assert.equal(t.observe(gdgp(100)), true);
    assert.equal(t.current(), 100);
    assert.equal(t.observe(gdgp(90)), false);
    assert.equal(t.current(), 100);
    assert.equal(t.observe(gdgp(100)), false);
    assert.equal(t.observe({ error: 'x' }), false);
    assert.equal(t.observe(gdgp(101)), true);
    assert.equal(t.current(), 101);
    assert.deepEqual(
      { observed: t.counters().observed, advanced: t.counters().advanced, notAhead: t.counters().notAhead, invalid: t.counters().invalid },
      { observed: 5, advanced: 2, notAhead: 2, invalid: 1 },
    );
  });

  it('polls every interval while a -2 rule exists, and only then', async () => {
    let wanted = false;
    let next = 1000;
    let polls = 0;
    const t = new LirbTracker({
      pollIntervalSeconds: 0.02,
      pollWanted: () => wanted,
      poll: () => {
        polls += 1;
        return Promise.resolve(gdgp((next += 5)));
      },
    });
    t.start();
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(polls, 0, 'no -2 rule: no poll');
      assert.equal(t.current(), null);
      wanted = true;
      await waitUntil('three polls', () => polls >= 3);
      assert.ok((t.current() ?? 0) >= 1010);
      wanted = false;
      const seen = polls;
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(polls <= seen + 1, 'polling stops when the -2 rules are gone');
    } finally {
      await t.stop();
    }
  });

  it('a poll that fails or answers garbage is counted and changes nothing', async () => {
    let n = 0;
    const t = new LirbTracker({
      pollIntervalSeconds: 0.01,
      poll: () => {
        n += 1;
        if (n === 1) return Promise.resolve(gdgp(50));
        if (n % 2 === 0) return Promise.reject(new Error('upstream down'));
        return Promise.resolve('garbage');
      },
    });
    t.start();
    try {
      await waitUntil('several polls', () => n >= 6);
      assert.equal(t.current(), 50);
      assert.ok(t.counters().pollErrors >= 2);
      assert.ok(t.counters().invalid >= 2);
    } finally {
      await t.stop();
    }
  });

  it('stop aborts a poll in flight and no further poll starts', async () => {
    let aborted = false;
    let polls = 0;
    const t = new LirbTracker({
      pollIntervalSeconds: 0.01,
      pollTimeoutMs: 60_000,
      poll: (signal) =>
        new Promise((_resolve, reject) => {
          polls += 1;
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    t.start();
    await waitUntil('the poll to start', () => polls === 1);
    await t.stop();
    assert.equal(aborted, true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(polls, 1);
  });

  it('a poll that hangs is bounded by its timeout', async () => {
    let polls = 0;
    const t = new LirbTracker({
      pollIntervalSeconds: 0.01,
      pollTimeoutMs: 30,
      poll: (signal) =>
        new Promise((_resolve, reject) => {
          polls += 1;
          signal.addEventListener('abort', () => reject(new Error('timeout')));
        }),
    });
    t.start();
    try {
      await waitUntil('the hung poll to time out and the next to start', () => polls >= 2);
      assert.ok(t.counters().pollErrors >= 1);
    } finally {
      await t.stop();
    }
  });

  it('interval 0 disables polling', async () => {
    let polls = 0;
    const t = new LirbTracker({
      pollIntervalSeconds: 0,
      poll: () => {
        polls += 1;
        return Promise.resolve(gdgp(1));
      },
    });
    t.start();
    await new Promise((r) => setTimeout(r, 50));
    await t.stop();
    assert.equal(polls, 0);
  });
});
