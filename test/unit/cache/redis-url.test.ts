import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRedisUrl, redactRedisUrl, type RedisTarget } from '@jussi/proxy/cache/redis-url';

const none = { username: undefined, password: undefined };

describe('Redis URL forms', () => {
  const accepted: [string, RedisTarget][] = [
    ['redis://localhost', { kind: 'standalone', host: 'localhost', port: 6379, tls: false, db: 0, ...none }],
    ['redis://10.0.0.1:6380/3', { kind: 'standalone', host: '10.0.0.1', port: 6380, tls: false, db: 3, ...none }],
    ['redis://:s%40cret@redis:6379/0', { kind: 'standalone', host: 'redis', port: 6379, tls: false, db: 0, username: undefined, password: 's@cret' }],
    ['redis://app:pw@redis', { kind: 'standalone', host: 'redis', port: 6379, tls: false, db: 0, username: 'app', password: 'pw' }],
    ['redis://app@redis', { kind: 'standalone', host: 'redis', port: 6379, tls: false, db: 0, username: 'app', password: undefined }],
    ['rediss://cache.example.com:6380', { kind: 'standalone', host: 'cache.example.com', port: 6380, tls: true, db: 0, ...none }],
    ['redis://[::1]:7000/1', { kind: 'standalone', host: '::1', port: 7000, tls: false, db: 1, ...none }],
    ['redis://localhost:6379/', { kind: 'standalone', host: 'localhost', port: 6379, tls: false, db: 0, ...none }],
    [
      'redis+sentinel://:pw@s1:26379,s2:26380,s3/mymaster/2',
      {
        kind: 'sentinel',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
          { host: 's3', port: 26379 },
        ],
        name: 'mymaster',
        db: 2,
        role: 'master',
        sentinelPassword: undefined,
        username: undefined,
        password: 'pw',
      },
    ],
    [
      'redis+sentinel://s1/mymaster?role=replica&sentinelPassword=sp',
      { kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster', db: 0, role: 'slave', sentinelPassword: 'sp', ...none },
    ],
    [
      'redis+cluster://n1:7000,n2:7001,n3',
      {
        kind: 'cluster',
        nodes: [
          { host: 'n1', port: 7000 },
          { host: 'n2', port: 7001 },
          { host: 'n3', port: 6379 },
        ],
        tls: false,
        ...none,
      },
    ],
    ['rediss+cluster://u:p@n1:7000', { kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }], tls: true, username: 'u', password: 'p' }],
  ];
  for (const [url, target] of accepted) {
    it(`accepts ${url}`, () => assert.deepEqual(parseRedisUrl(url), { ok: true, target }));
  }

  const rejected: [string, RegExp][] = [
    ['http://localhost:6379', /unknown scheme "http"/],
    ['redis://a:1,b:2', /takes one host/],
    ['redis://localhost:99999', /bad host/],
    ['redis://localhost/abc', /bad database number/],
    ['redis://localhost/1/2', /only be a database number/],
    ['redis+sentinel://s1:26379', /needs the master name/],
    ['redis+sentinel://s1/m?role=boss', /bad role/],
    ['redis+cluster://n1/3', /only database 0/],
    ['redis://', /bad host|no host/],
    ['localhost:6379', /not a Redis URL/],
    ['redis://:%zz@h', /percent-encoding/],
  ];
  for (const [url, message] of rejected) {
    it(`rejects ${url}`, () => {
      const r = parseRedisUrl(url);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.match(r.message, message);
        assert.match(r.message, /accepted forms/);
      }
    });
  }

  it('redacts passwords for logs and /state', () => {
    assert.equal(redactRedisUrl('redis://:secret@h:6379/0'), 'redis://:***@h:6379/0');
    assert.equal(redactRedisUrl('redis://user:secret@h'), 'redis://user:***@h');
    assert.equal(redactRedisUrl('redis://secretonly@h'), 'redis://***@h');
    assert.equal(redactRedisUrl('redis+sentinel://s1/m?sentinelPassword=x&role=replica'), 'redis+sentinel://s1/m?sentinelPassword=***&role=replica');
    assert.equal(redactRedisUrl('redis://h:6379'), 'redis://h:6379');
  });
});
