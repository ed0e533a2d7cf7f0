// The limiter's decisions with a controlled clock: several limiters sharing one store never
// serve more than the bucket allows; leases top up by 5% of the burst; a bucket known empty is
// refused without asking the store again; while the store is unusable each process limits at
// its share; calls of a batch are decided in order and a refused call takes no token.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BucketConfig } from '@jussi/proxy/config/edge-config';
import type { TakeReply, TakeRequest } from '@jussi/proxy/edge/bucket-script';
import { BucketTable } from '@jussi/proxy/edge/bucket-table';
import { LEASE_TTL_MS, RateLimiter, type Admission, type LimitMode } from '@jussi/proxy/edge/rate-limiter';
import type { BucketStore } from '@jussi/proxy/edge/redis-bucket-store';
import { take, type BucketState } from '@jussi/proxy/edge/token-bucket';

/** The shared store as Redis runs it: the same arithmetic, one state per key, calls counted. */
class MemoryStore implements BucketStore {
  readonly states = new Map<string, BucketState>();
  calls = 0;
  up = true;
  constructor(private readonly clock: { now: number }) {}
  usable(): boolean {
    return this.up;
  }
  async take(requests: readonly TakeRequest[]): Promise<TakeReply[]> {
    this.calls += 1;
    if (!this.up) throw new Error('down');
    return requests.map((r) => {
      const t = take(this.states.get(r.key), r.limits, this.clock.now, r.wanted);
      this.states.set(r.key, t.state);
      return { granted: t.granted, waitMs: t.waitMs };
    });
  }
  async heartbeat(): Promise<number> {
    return 2;
  }
  async leave(): Promise<void> {}
}

function bucket(over: Partial<BucketConfig> = {}): BucketConfig {
  return { name: 'per-client', key: 'client', ratePerSecond: 1, burst: 10, prefixes: [], tiers: null, ...over };
}

async function decide(limiter: RateLimiter, table: BucketTable, calls: number, address = '1.2.3.4', urn = 'appbase.condenser_api.get_block'): Promise<Admission> {
  const items = Array.from({ length: calls }, () => table.bucketsFor('anonymous', urn));
  const a = limiter.admit(items, { address, subject: null });
  return a instanceof Promise ? await a : a;
}

const allowed = (a: Admission): number => a.filter((d) => d === null).length;

describe('rate limiter', () => {
  it('two limiters sharing one store serve the bucket once between them', async () => {
    const clock = { now: 1_000_000 };
    const store = new MemoryStore(clock);
    const table = new BucketTable([bucket({ burst: 10, ratePerSecond: 0.001 })]);
    const a = new RateLimiter({ store, peers: 1, now: () => clock.now });
    const b = new RateLimiter({ store, peers: 1, now: () => clock.now });
    let served = 0;
    for (let i = 0; i < 20; i++) served += allowed(await decide(i % 2 === 0 ? a : b, table, 1));
    assert.equal(served, 10);
  });

  it('a batch takes one token per call, in order; refused calls take none and name the bucket', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore(clock);
    const tight = bucket({ name: 'broadcast', burst: 2, prefixes: ['appbase.condenser_api.broadcast_transaction'] });
    const table = new BucketTable([bucket({ burst: 100 }), tight]);
    const limiter = new RateLimiter({ store, peers: 1, now: () => clock.now });
    const items = [
      table.bucketsFor('anonymous', 'appbase.condenser_api.broadcast_transaction'),
      table.bucketsFor('anonymous', 'appbase.condenser_api.get_block'),
      table.bucketsFor('anonymous', 'appbase.condenser_api.broadcast_transaction'),
      table.bucketsFor('anonymous', 'appbase.condenser_api.broadcast_transaction'),
      table.bucketsFor('anonymous', 'appbase.condenser_api.get_block'),
    ];
    const out = await limiter.admit(items, { address: 'x', subject: null });
    assert.deepEqual(out.map((d) => d?.bucket.name ?? null), [null, null, null, 'broadcast', null]);
    assert.ok((out[3]?.retryAfterMs ?? 0) >= 1);
    assert.equal(limiter.report().limited['broadcast'], 1);
  });

  it('leases 5% of the burst ahead, so a busy client costs one store call per many', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore(clock);
    const table = new BucketTable([bucket({ burst: 1000, ratePerSecond: 1000 })]);
    const limiter = new RateLimiter({ store, peers: 1, now: () => clock.now });
    for (let i = 0; i < 100; i++) assert.equal(allowed(await decide(limiter, table, 1)), 1);
    assert.equal(store.calls, 2);
    const sync = limiter.admit([table.bucketsFor('anonymous', 'a.b')], { address: '1.2.3.4', subject: null });
    assert.ok(Array.isArray(sync), 'a call with leased tokens is decided without a round trip');
  });

  it('leased tokens expire, so no process sits on tokens the others could use', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore(clock);
    const table = new BucketTable([bucket({ burst: 100, ratePerSecond: 0.0001 })]);
    const a = new RateLimiter({ store, peers: 1, now: () => clock.now });
    const b = new RateLimiter({ store, peers: 1, now: () => clock.now });
    await decide(a, table, 1); // a holds 1 + 5 leased
    clock.now += LEASE_TTL_MS;
    let served = 0;
    for (let i = 0; i < 200; i++) served += allowed(await decide(b, table, 1));
    assert.equal(served, 94, 'b gets everything a did not use (100 - 6), a gets nothing more from its lease');
    assert.equal(allowed(await decide(a, table, 1)), 0);
  });

  it('a bucket known empty is refused without asking the store until its next token', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore(clock);
    const table = new BucketTable([bucket({ burst: 1, ratePerSecond: 1 })]);
    const limiter = new RateLimiter({ store, peers: 1, now: () => clock.now });
    assert.equal(allowed(await decide(limiter, table, 2)), 1);
    const calls = store.calls;
    const refused = limiter.admit([table.bucketsFor('anonymous', 'a.b')], { address: '1.2.3.4', subject: null });
    assert.ok(Array.isArray(refused));
    assert.equal((refused as Admission)[0]?.retryAfterMs, 1000);
    assert.equal(store.calls, calls);
    clock.now += 1000;
    assert.equal(allowed(await decide(limiter, table, 1)), 1);
  });

  it('clients, subjects and the global bucket count separately', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore(clock);
    const table = new BucketTable([bucket({ name: 'c', key: 'client', burst: 1, ratePerSecond: 0.001 }), bucket({ name: 's', key: 'subject', burst: 2, ratePerSecond: 0.001 })]);
    const limiter = new RateLimiter({ store, peers: 1, now: () => clock.now });
    const call = (address: string, subject: string | null) => limiter.admit([table.bucketsFor('t', 'a.b')], { address, subject });
    assert.equal((await call('1.1.1.1', 'alice'))[0], null);
    assert.equal((await call('1.1.1.1', 'alice'))[0]?.bucket.name, 'c');
    assert.equal((await call('2.2.2.2', 'alice'))[0], null);
    assert.equal((await call('3.3.3.3', 'alice'))[0]?.bucket.name, 's');
  });

  it('limits locally at its share while the store is unusable, and shares again when it is back', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore(clock);
    const modes: LimitMode[] = [];
    const table = new BucketTable([bucket({ burst: 10, ratePerSecond: 0.001 })]);
    const limiter = new RateLimiter({ store, peers: 2, now: () => clock.now, onModeChange: (m) => modes.push(m) });
    assert.equal(limiter.mode, 'shared');
    store.up = false;
    const local = limiter.admit(Array.from({ length: 10 }, () => table.bucketsFor('x', 'a.b')), { address: 'x', subject: null });
    assert.ok(Array.isArray(local), 'local decisions are synchronous');
    assert.equal(allowed(local as Admission), 5, 'half of the burst: two processes share it');
    assert.equal(limiter.mode, 'local');
    store.up = true;
    assert.equal(allowed(await decide(limiter, table, 20)), 10);
    assert.deepEqual(modes, ['local', 'shared']);
  });

  it('a failing script call is decided locally and says so', async () => {
    const clock = { now: 0 };
    const store = new MemoryStore(clock);
    const table = new BucketTable([bucket({ burst: 4 })]);
    const errors: unknown[] = [];
    const limiter = new RateLimiter({ store, peers: 1, now: () => clock.now, onStoreError: (e) => errors.push(e) });
    store.take = async () => {
      throw new Error('READONLY');
    };
    assert.equal(allowed(await decide(limiter, table, 6)), 4);
    assert.equal(limiter.mode, 'local');
    assert.equal(errors.length, 1);
  });

  it('without a store it limits locally from the start', () => {
    const table = new BucketTable([bucket({ burst: 3 })]);
    const limiter = new RateLimiter({ store: null, peers: 1, now: () => 0 });
    assert.equal(limiter.mode, 'local');
    const a = limiter.admit(Array.from({ length: 5 }, () => table.bucketsFor('x', 'a.b')), { address: 'x', subject: null }) as Admission;
    assert.equal(allowed(a), 3);
  });
});

describe('bucket table', () => {
  it('counts buckets of the tier and of every tier whose prefixes match component-wise', () => {
    const table = new BucketTable([
      bucket({ name: 'all' }),
      bucket({ name: 'anon', tiers: ['anonymous'] }),
      bucket({ name: 'history', prefixes: ['appbase.account_history_api', 'appbase.condenser_api.get_account_history'] }),
      bucket({ name: 'gold-bcast', tiers: ['gold'], prefixes: ['appbase.condenser_api.broadcast_transaction'] }),
    ]);
    const names = (tier: string, urn: string) => table.bucketsFor(tier, urn).map((b) => b.config.name);
    assert.deepEqual(names('anonymous', 'appbase.condenser_api.get_block.params=[1]'), ['all', 'anon']);
    assert.deepEqual(names('anonymous', 'appbase.condenser_api.get_account_history.params=["a",-1,10]'), ['all', 'anon', 'history']);
    assert.deepEqual(names('gold', 'appbase.condenser_api.broadcast_transaction.params=[]'), ['all', 'gold-bcast']);
    assert.deepEqual(names('gold', 'appbase.condenser_api.get_account_historyx'), ['all']);
    assert.deepEqual(names('silver', 'appbase.account_history_api.get_ops_in_block'), ['all', 'history']);
  });
});
