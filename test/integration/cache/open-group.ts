// Builds a cache group for a test and waits until its Redis is up (when it has one).
import assert from 'node:assert/strict';
import { createCacheGroup, type CacheGroupOptions, type TieredCacheGroup } from '@jussi/proxy/cache/cache-group';
import type { CacheSettings } from '@jussi/proxy/config/settings';
import { waitUntil } from '../../support/redis/redis-server.js';

export async function openGroup(settings: CacheSettings, options: CacheGroupOptions = {}): Promise<TieredCacheGroup> {
  const created = createCacheGroup(settings, options);
  assert.ok(created.ok, created.ok ? '' : created.message);
  const group = created.group;
  if (settings.redisUrl !== null) {
    await waitUntil('the cache group to connect to Redis', () => group.redisLinks().every((l) => l.state === 'up'));
  }
  return group;
}

export const blockId = (n: number): string => `${n.toString(16).padStart(8, '0')}b922f4906a45af8e99d86b3511acd7a5`;
