import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Debouncer } from '@jussi/operator/controller/debouncer';
import { waitFor } from '../../support/fake-upstream/index.js';

describe('render debouncer', () => {
  it('coalesces a burst into one run', async () => {
    let runs = 0;
    const d = new Debouncer(async () => {
      runs += 1;
    }, 30, 200);
    for (let i = 0; i < 20; i++) d.trigger();
    assert.equal(d.depth, 1);
    await waitFor(() => runs === 1, { message: 'one run' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(runs, 1);
    await d.stop();
  });

  it('runs at the latest maxMs after the first trigger of a never-ending burst', async () => {
    let runs = 0;
    const d = new Debouncer(async () => {
      runs += 1;
    }, 50, 150);
    const started = Date.now();
    const timer = setInterval(() => d.trigger(), 10);
    await waitFor(() => runs >= 1, { message: 'a run despite the burst', timeoutMs: 5000 });
    clearInterval(timer);
    assert.ok(Date.now() - started < 4000);
    await d.stop();
  });

  it('never overlaps runs and runs once more for triggers during a run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const d = new Debouncer(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      runs += 1;
      await new Promise((r) => setTimeout(r, 80));
      active -= 1;
    }, 5, 20);
    d.trigger();
    await waitFor(() => active === 1, { message: 'first run started' });
    d.trigger();
    d.trigger();
    await waitFor(() => runs === 2 && active === 0, { message: 'second run done' });
    assert.equal(maxActive, 1);
    await d.stop();
  });

  it('keeps going after a failing run', async () => {
    let runs = 0;
    const d = new Debouncer(async () => {
      runs += 1;
      if (runs === 1) throw new Error('boom');
    }, 5, 10);
    d.trigger();
    await waitFor(() => runs === 1, { message: 'first run' });
    d.trigger();
    await waitFor(() => runs === 2, { message: 'second run' });
    await d.stop();
  });
});
