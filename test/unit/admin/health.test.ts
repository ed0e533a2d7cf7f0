import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthReply, pythonUtcIsoformat, type HealthFacts } from '@jussi/proxy/admin/health';

const facts: HealthFacts = {
  ready: true,
  notReadyReason: null,
  configHash: 'abc',
  lastIrreversibleBlockNum: 19552476,
  redis: 'up',
  degraded: false,
  upstreams: { total: 2, healthy: 2 },
  workers: 1,
};
const build = { sourceCommit: 'deadbeef', dockerTag: 'v1' };

describe('probes', () => {
  it('formats datetime like Python utcnow().isoformat()', () => {
    assert.equal(pythonUtcIsoformat(new Date('2024-01-01T12:00:00.123Z')), '2024-01-01T12:00:00.123000');
    assert.equal(pythonUtcIsoformat(new Date('2024-01-01T12:00:00.000Z')), '2024-01-01T12:00:00');
  });

  it('answers /health with jussi fields first, plus redis and upstream status', () => {
    const r = healthReply('/health', facts, build, new Date('2024-01-01T12:00:00.5Z'));
    assert.equal(r?.statusCode, 200);
    const body = JSON.parse(r?.body ?? '') as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).slice(0, 5), ['status', 'datetime', 'source_commit', 'docker_tag', 'jussi_num']);
    assert.equal(body['status'], 'OK');
    assert.equal(body['datetime'], '2024-01-01T12:00:00.500000');
    assert.equal(body['source_commit'], 'deadbeef');
    assert.equal(body['jussi_num'], 19552476);
    assert.deepEqual(body['redis'], { status: 'up' });
    assert.deepEqual(body['upstreams'], { status: 'OK', total: 2, healthy: 2 });
  });

  it('stays ready while Redis is down, and says degraded', () => {
    const r = healthReply('/health/ready', { ...facts, redis: 'down', degraded: true }, build);
    assert.equal(r?.statusCode, 200);
    assert.equal((JSON.parse(r?.body ?? '') as { degraded: boolean }).degraded, true);
  });

  it('answers 503 with the reason until a config is loaded', () => {
    const r = healthReply('/health/ready', { ...facts, ready: false, notReadyReason: 'waiting for the first valid config document' }, build);
    assert.equal(r?.statusCode, 503);
    assert.match(r?.body ?? '', /waiting for the first valid config/);
  });

  it('answers /health/live always and nothing for other paths', () => {
    assert.equal(healthReply('/health/live', { ...facts, ready: false }, build)?.statusCode, 200);
    assert.equal(healthReply('/metrics', facts, build), null);
  });
});
