import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthTracker, isConnectionFailure } from '@jussi/proxy/upstream/health';
import type { UpstreamErrorKind } from '@jussi/proxy/upstream/types';

type Step = readonly ['fail', UpstreamErrorKind] | readonly ['ok'] | readonly ['wait', number];

describe('HealthTracker', () => {
  // Each row: steps, then [healthy, probeDue] after them (3 failures, retry after 1000 ms).
  const table: readonly (readonly [string, readonly Step[], boolean, boolean])[] = [
    ['new', [], true, true],
    ['two connect failures', [['fail', 'connect'], ['fail', 'connect']], true, true],
    ['three connection failures', [['fail', 'connect'], ['fail', 'closed'], ['fail', 'connect']], false, false],
    ['timeouts do not count', [['fail', 'timeout'], ['fail', 'timeout'], ['fail', 'timeout'], ['fail', 'aborted']], true, true],
    ['overload and protocol do not count', [['fail', 'overloaded'], ['fail', 'protocol'], ['fail', 'shutdown']], true, true],
    ['a success resets the count', [['fail', 'connect'], ['fail', 'connect'], ['ok'], ['fail', 'connect'], ['fail', 'connect']], true, true],
    ['unhealthy, then the wait passes', [['fail', 'connect'], ['fail', 'connect'], ['fail', 'connect'], ['wait', 1000]], false, true],
    ['unhealthy, wait not over', [['fail', 'connect'], ['fail', 'connect'], ['fail', 'connect'], ['wait', 999]], false, false],
    ['a failed probe restarts the wait', [['fail', 'connect'], ['fail', 'connect'], ['fail', 'connect'], ['wait', 1000], ['fail', 'closed']], false, false],
    ['a successful probe heals', [['fail', 'connect'], ['fail', 'connect'], ['fail', 'connect'], ['wait', 1000], ['ok']], true, true],
  ];
  for (const [name, steps, healthy, probeDue] of table) {
    it(name, () => {
      let now = 0;
      const t = new HealthTracker({ failuresToUnhealthy: 3, retryUnhealthyAfterMs: 1000 }, () => now);
      for (const step of steps) {
        if (step[0] === 'fail') t.recordFailure(step[1]);
        else if (step[0] === 'ok') t.recordSuccess();
        else now += step[1];
      }
      assert.equal(t.healthy, healthy, 'healthy');
      assert.equal(t.probeDue, probeDue, 'probeDue');
    });
  }

  it('counts only connect and closed as connection failures', () => {
    const kinds: UpstreamErrorKind[] = ['connect', 'closed', 'timeout', 'aborted', 'protocol', 'overloaded', 'shutdown'];
    assert.deepEqual(kinds.filter(isConnectionFailure), ['connect', 'closed']);
  });
});
