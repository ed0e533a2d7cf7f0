// Token-bucket arithmetic as properties: over any sequence of takes, no more is granted than the
// burst plus what the rate earned; the bucket never holds less than nothing or more than its
// burst; the wait it announces is exactly when the next token exists.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fullBucket, limitsOf, refill, shareOf, take, waitForToken, type BucketState } from '@jussi/proxy/edge/token-bucket';

const limitsArb = fc.record({ ratePerSecond: fc.double({ min: 0.001, max: 10_000, noNaN: true }), burst: fc.integer({ min: 1, max: 100_000 }) });
const stepsArb = fc.array(fc.record({ advanceMs: fc.integer({ min: 0, max: 60_000 }), wanted: fc.integer({ min: 0, max: 200 }) }), { minLength: 1, maxLength: 60 });

describe('token bucket arithmetic', () => {
  it('never grants more than the burst plus what the rate earned since the start', () => {
    fc.assert(
      fc.property(limitsArb, stepsArb, fc.integer({ min: 0, max: 1e12 }), ({ ratePerSecond, burst }, steps, start) => {
        const limits = limitsOf(ratePerSecond, burst);
        let state: BucketState | undefined;
        let now = start;
        let granted = 0;
        for (const step of steps) {
          now += step.advanceMs;
          const t = take(state, limits, now, step.wanted);
          state = t.state;
          granted += t.granted;
          assert.ok(granted <= burst + (now - start) * limits.ratePerMs + 1e-6, `granted ${granted} by ${now - start} ms`);
        }
      }),
    );
  });

  it('holds between 0 and burst tokens, grants min(wanted, whole tokens held)', () => {
    fc.assert(
      fc.property(limitsArb, stepsArb, ({ ratePerSecond, burst }, steps) => {
        const limits = limitsOf(ratePerSecond, burst);
        let state: BucketState = fullBucket(limits, 0);
        let now = 0;
        for (const step of steps) {
          now += step.advanceMs;
          const held = refill(state, limits, now).tokens;
          const t = take(state, limits, now, step.wanted);
          assert.equal(t.granted, Math.min(step.wanted, Math.floor(held)));
          assert.ok(t.state.tokens >= 0 && t.state.tokens <= burst, `tokens ${t.state.tokens}`);
          state = t.state;
        }
      }),
    );
  });

  it('a refused take names the wait after which one token is there, and not before', () => {
    fc.assert(
      fc.property(limitsArb, fc.integer({ min: 1, max: 500 }), ({ ratePerSecond, burst }, extra) => {
        const limits = limitsOf(ratePerSecond, burst);
        const drained = take(undefined, limits, 1000, burst + extra);
        assert.equal(drained.granted, burst);
        assert.ok(drained.waitMs >= 1);
        assert.equal(take(drained.state, limits, 1000 + drained.waitMs, 1).granted, 1);
        if (drained.waitMs > 1) assert.equal(take(drained.state, limits, 1000 + drained.waitMs - 1, 1).granted, 0);
      }),
    );
  });

  it('a clock that goes backwards refills nothing', () => {
    const limits = limitsOf(10, 5);
    const t = take(undefined, limits, 10_000, 5);
    assert.equal(take(t.state, limits, 5_000, 1).granted, 0);
  });

  it('a burst lowered by a reload caps what is held', () => {
    const state = fullBucket(limitsOf(1, 100), 0);
    assert.equal(take(state, limitsOf(1, 10), 0, 50).granted, 10);
  });

  it('shares of a bucket never add up to more than the bucket', () => {
    fc.assert(
      fc.property(limitsArb, fc.integer({ min: 1, max: 64 }), ({ ratePerSecond, burst }, peers) => {
        const limits = limitsOf(ratePerSecond, burst);
        const share = shareOf(limits, peers);
        assert.ok(share.burst >= 1);
        if (burst >= peers) assert.ok(share.burst * peers <= burst);
        assert.ok(Math.abs(share.ratePerMs * peers - limits.ratePerMs) < 1e-9);
      }),
    );
  });

  it('waitForToken is 0 with a whole token and at least 1 ms without', () => {
    const limits = limitsOf(1000, 1);
    assert.equal(waitForToken(1, limits), 0);
    assert.equal(waitForToken(0.999999, limits), 1);
    assert.equal(waitForToken(0, limitsOf(0.5, 1)), 2000);
  });
});
