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

  it('keeps a resolved call joinable until its hold settles (the cache write landing), then forgets it', async () => {
    const sf = new Singleflight<number>();
    const landing = deferred<void>();
    let calls = 0;
    assert.equal(await sf.do('k', () => Promise.resolve(++calls), () => landing.promise), 1);
    assert.equal(sf.size, 1, 'held while the write lands');
    assert.equal(await sf.do('k', () => Promise.resolve(++calls)), 1, 'a late request joins the settled answer');
    assert.equal(calls, 1);
    landing.resolve();
    await landing.promise;
    await new Promise((r) => setImmediate(r));
    assert.equal(sf.size, 0);
    assert.equal(await sf.do('k', () => Promise.resolve(++calls)), 2, 'after the write landed, the cache answers: a new call only if it missed');
  });

  it('forgets at once when there is nothing to hold, a hold that fails, and a rejected call', async () => {
    const sf = new Singleflight<number>();
    await sf.do('a', () => Promise.resolve(1), () => undefined);
    assert.equal(sf.size, 0);
    await sf.do('b', () => Promise.resolve(1), () => Promise.reject(new Error('write failed')));
    await new Promise((r) => setImmediate(r));
    assert.equal(sf.size, 0);
    await sf.do('c', () => Promise.reject(new Error('boom')), () => new Promise(() => undefined)).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    assert.equal(sf.size, 0, 'a failure is never held');
  });
});
