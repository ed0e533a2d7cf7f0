import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTRY_OVERHEAD_BYTES, MemoryTier, entryBytes } from '@jussi/proxy/cache/memory-tier';
import { waitUntil } from '../../support/redis/redis-server.js';

describe('memory tier', () => {
  it('serves what was stored, as the same hit object (no allocation per hit)', () => {
    const tier = new MemoryTier(1 << 20, 180_000);
    tier.set('k', '{"a":1}', 10_000);
    const a = tier.get('k');
    assert.deepEqual(a, { resultText: '{"a":1}', tier: 'memory' });
    assert.equal(tier.get('k'), a);
    assert.equal(tier.get('other'), undefined);
  });

  it('counts entries and bytes (UTF-8 of key and text plus overhead)', () => {
    const tier = new MemoryTier(1 << 20, 180_000);
    tier.set('key', 'ab', 1000);
    tier.set('ключ', '"✓"', 1000);
    assert.equal(tier.entries, 2);
    assert.equal(entryBytes('key', 'ab'), 5 + ENTRY_OVERHEAD_BYTES);
    assert.equal(tier.bytes, entryBytes('key', 'ab') + entryBytes('ключ', '"✓"'));
    assert.equal(entryBytes('ключ', '"✓"'), 8 + 5 + ENTRY_OVERHEAD_BYTES);
  });

  it('never holds more bytes than its bound, evicting the least recently used', () => {
    const text = 'x'.repeat(1000);
    const perEntry = entryBytes('k00', text);
    const tier = new MemoryTier(perEntry * 10, 180_000);
    for (let i = 0; i < 10; i++) tier.set(`k${String(i).padStart(2, '0')}`, text, 60_000);
    assert.equal(tier.entries, 10);
    assert.ok(tier.get('k00'));
    tier.set('k10', text, 60_000);
    assert.equal(tier.entries, 10);
    assert.ok(tier.bytes <= perEntry * 10);
    assert.ok(tier.get('k00'), 'recently read entry kept');
    assert.equal(tier.get('k01'), undefined, 'least recently used entry evicted');
    for (let i = 11; i < 200; i++) {
      tier.set(`k${i}`, text, 60_000);
      assert.ok(tier.bytes <= perEntry * 10);
    }
  });

  it('drops an entry larger than the whole tier', () => {
    const tier = new MemoryTier(500, 180_000);
    tier.set('big', 'x'.repeat(1000), 60_000);
    assert.equal(tier.get('big'), undefined);
    assert.equal(tier.bytes, 0);
  });

  it('never serves an expired entry, and caps TTLs at the tier maximum', async () => {
    const tier = new MemoryTier(1 << 20, 300);
    tier.set('short', '1', 50);
    tier.set('long', '2', 60_000);
    assert.ok(tier.get('short'));
    const started = Date.now();
    await waitUntil('short entry to expire', () => tier.get('short') === undefined);
    assert.ok(Date.now() - started >= 40);
    await waitUntil('long entry to expire at the 300 ms cap', () => tier.get('long') === undefined);
  });

  it('maxBytes 0 disables the tier', () => {
    const tier = new MemoryTier(0, 180_000);
    tier.set('k', '1', 1000);
    assert.equal(tier.enabled, false);
    assert.equal(tier.get('k'), undefined);
    assert.equal(tier.entries, 0);
    assert.equal(tier.bytes, 0);
  });

  it('ignores non-positive TTLs', () => {
    const tier = new MemoryTier(1 << 20, 180_000);
    tier.set('zero', '1', 0);
    tier.set('neg', '1', -5);
    assert.equal(tier.entries, 0);
  });
});
