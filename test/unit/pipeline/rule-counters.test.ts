import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleCounters } from '@jussi/proxy/pipeline/rule-counters';

describe('per-rule cache figures', () => {
  it('counts hits and misses per prefix and reports only current prefixes, sorted', () => {
    const c = new RuleCounters();
    c.record('steemd', true);
    c.record('steemd', false);
    c.record('appbase.block_api', true);
    c.record('gone', true);
    assert.deepEqual(c.report(['steemd', 'appbase.block_api', 'hive']), [
      { prefix: 'appbase.block_api', hits: 1, misses: 0 },
      { prefix: 'hive', hits: 0, misses: 0 },
      { prefix: 'steemd', hits: 1, misses: 1 },
    ]);
  });
});
