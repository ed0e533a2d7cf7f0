import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Singleflight } from '@jussi/proxy/cache/singleflight';

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('singleflight', () => {
  it('N concurrent identical calls make one call and all get its value', async () => {
    const sf = new Singleflight<string>();
    const gate = deferred<string>();
    let calls = 0;
    const fn = (): Promise<string> => {
      calls += 1;
      return gate.promise;
    };
    const waiters = Array.from({ length: 50 }, () => sf.do('k', fn));
    assert.equal(sf.size, 1);
    gate.resolve('answer');
    assert.deepEqual(await Promise.all(waiters), Array(50).fill('answer'));
    assert.equal(calls, 1);
    assert.equal(sf.size, 0, 'cleaned up on settle');
    assert.deepEqual(sf.stats(), { started: 1, joined: 49, bypassed: 0 });
  });

  it('a rejection reaches every waiter, and the next call starts afresh', async () => {
    const sf = new Singleflight<string>();
    const gate = deferred<string>();
    let calls = 0;
    const waiters = Array.from({ length: 5 }, () =>
      sf.do('k', () => {
        calls += 1;
        return gate.promise;
      }),
    );
    gate.reject(new Error('upstream down'));
    const settled = await Promise.allSettled(waiters);
    assert.equal(calls, 1);
    for (const s of settled) {
      assert.equal(s.status, 'rejected');
      assert.equal((s as PromiseRejectedResult).reason instanceof Error && (s as PromiseRejectedResult).reason.message, 'upstream down');
    }
    assert.equal(sf.size, 0);
    assert.equal(await sf.do('k', () => Promise.resolve('again')), 'again');
  });

  it('a function that throws synchronously rejects the shared promise', async () => {
    const sf = new Singleflight<number>();
    await assert.rejects(
      sf.do('k', () => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(sf.size, 0);
  });

  it('distinct keys are not merged', async () => {
    const sf = new Singleflight<string>();
    const seen: string[] = [];
    const results = await Promise.all(
      ['a', 'b', 'a', 'c', 'b'].map((k) =>
        sf.do(k, async () => {
          seen.push(k);
          await new Promise((r) => setImmediate(r));
          return k.toUpperCase();
        }),
      ),
    );
    assert.deepEqual(results, ['A', 'B', 'A', 'C', 'B']);
    assert.deepEqual(seen.sort(), ['a', 'b', 'c']);
  });

  it('does not grow past maxKeys: further keys run unshared', async () => {
    const sf = new Singleflight<number>(3);
    const gate = deferred<number>();
    const pending = [1, 2, 3].map((i) => sf.do(`k${i}`, () => gate.promise.then(() => i)));
    let extraCalls = 0;
    const extra = [sf.do('k4', () => Promise.resolve(++extraCalls)), sf.do('k4', () => Promise.resolve(++extraCalls))];
    assert.equal(sf.size, 3);
    assert.deepEqual(await Promise.all(extra), [1, 2]);
    gate.resolve(0);
    assert.deepEqual(await Promise.all(pending), [1, 2, 3]);
    assert.equal(sf.size, 0);
    assert.equal(sf.stats().bypassed, 2);
  });

  it('a settled call is not served again (no caching inside singleflight)', async () => {
    const sf = new Singleflight<number>();
    let n = 0;
    assert.equal(await sf.do('k', () => Promise.resolve(++n)), 1);
    assert.equal(await sf.do('k', () => Promise.resolve(++n)), 2);
  });
});
