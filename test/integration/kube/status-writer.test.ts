// Status writes by server-side apply on /status: only on change, rate-bounded, in priority
// order, retried with per-item backoff. Timing assertions are lower bounds only (a loaded
// machine makes gaps longer, never shorter); waits are for observable events.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { StatusWriter, type StatusTarget, type StatusWriterOptions } from '@jussi/operator/kube/status-writer';
import { TokenBucket } from '@jussi/operator/kube/token-bucket';
import { FIELD_MANAGER } from '@jussi/operator/names';
import { FakeKube, waitFor, type JsonObject, type RequestRecord } from '../../support/fake-kube/index.js';
import { memoryLogger } from '../../support/memory-logger.js';

const NS = 'apps';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(names: string[], options: Partial<StatusWriterOptions> = {}): Promise<{ kube: FakeKube; writer: StatusWriter; targets: StatusTarget[] }> {
  const kube = await FakeKube.start();
  for (const name of names) {
    kube.put({ apiVersion: 'jussi.io/v1alpha1', kind: 'JsonRpcUpstream', metadata: { name, namespace: NS }, spec: { namespace: name, routes: [] } });
  }
  const writer = new StatusWriter({ kubeConfig: kube.kubeConfig(), backoff: { baseMs: 20, capMs: 200, unreachableMs: 100 }, random: () => 1, ...options });
  cleanups.push(async () => {
    await writer.stop();
    await kube.close();
  });
  const targets = names.map((name) => ({ kind: 'JsonRpcUpstream', plural: 'jsonrpcupstreams', namespace: NS, name }));
  return { kube, writer, targets };
}

function status(generation: number, message = 'ok', programmed: 'True' | 'False' = 'True'): JsonObject {
  return {
    observedGeneration: generation,
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message, observedGeneration: generation, lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'Programmed', status: programmed, reason: programmed === 'True' ? 'Programmed' : 'Pending', message: 'm', observedGeneration: generation, lastTransitionTime: '2026-01-01T00:00:00Z' },
    ],
  };
}

/** The same conditions, other figures: a write that is not urgent. */
function figures(generation: number, hits: number): JsonObject {
  return { ...status(generation), rules: [{ prefix: 'hive', hits, misses: 0, hitRatio: '1' }] };
}

function patchedName(r: RequestRecord): string {
  return r.path.split('/').at(-2) ?? '';
}

function statusPatches(kube: FakeKube): RequestRecord[] {
  return kube.requests({ verb: 'patch', path: '/status' });
}

function assertNever415(kube: FakeKube): void {
  for (const r of kube.requests({ verb: 'patch' })) {
    assert.equal(r.contentType, 'application/apply-patch+yaml');
    assert.notEqual(r.status, 415);
  }
}

describe('StatusWriter', () => {
  it('applies the status subresource with the SSA shape, only when it changed', async () => {
    const { kube, writer, targets: [t] } = await setup(['one']);
    assert.ok(t !== undefined);
    assert.equal(writer.write(t, status(1)), true);
    await writer.idle();
    const [first] = statusPatches(kube);
    assert.equal(first?.path, `/apis/jussi.io/v1alpha1/namespaces/${NS}/jsonrpcupstreams/one/status`);
    assert.equal(first?.query['fieldManager'], FIELD_MANAGER);
    assert.equal(first?.query['force'], 'true');
    assert.deepEqual(first?.body, { apiVersion: 'jussi.io/v1alpha1', kind: 'JsonRpcUpstream', metadata: { name: 'one', namespace: NS }, status: status(1) });
    assert.deepEqual(kube.get('jussi.io/v1alpha1', 'JsonRpcUpstream', NS, 'one')?.['status'], status(1));

    const reordered = { conditions: status(1)['conditions'] ?? null, observedGeneration: 1 };
    assert.equal(writer.write(t, reordered), false, 'the same status in another key order is not written');
    assert.equal(writer.write(t, status(2)), true);
    await writer.idle();
    assert.equal(statusPatches(kube).length, 2);
    assert.deepEqual(writer.stats().skipped, 1);
    assertNever415(kube);
  });

  it('writes nothing after a restart when the observed status is already the desired one', async () => {
    const { kube, writer: first, targets: [t] } = await setup(['one']);
    assert.ok(t !== undefined);
    first.write(t, status(3));
    await first.idle();
    kube.clearRequests();
    const restarted = new StatusWriter({ kubeConfig: kube.kubeConfig() });
    cleanups.push(() => restarted.stop());
    restarted.observe(t, kube.get('jussi.io/v1alpha1', 'JsonRpcUpstream', NS, 'one')?.['status']);
    assert.equal(restarted.write(t, status(3)), false);
    await restarted.idle();
    assert.equal(kube.writes().length, 0);
    restarted.observe(t, status(3, 'changed by someone else'));
    assert.equal(restarted.write(t, status(3)), true, 'a status changed behind our back is written again');
    await restarted.idle();
    assert.equal(kube.writes().length, 1);
  });

  it('keeps to its rate: burst, then ratePerSecond', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `cr-${i}`);
    const rate = 5;
    const burst = 3;
    const { kube, writer, targets } = await setup(names, { qps: rate, burst });
    for (const t of targets) writer.write(t, status(1));
    await writer.idle();
    const times = statusPatches(kube).map((r) => r.at);
    assert.equal(times.length, 12);
    // In any window, the writes seen can never exceed what the bucket allows (plus one for rounding).
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) {
        const allowed = burst + (rate * ((times[j] ?? 0) - (times[i] ?? 0))) / 1000 + 1;
        assert.ok(j - i + 1 <= allowed, `${j - i + 1} writes in ${(times[j] ?? 0) - (times[i] ?? 0)} ms`);
      }
    }
    assertNever415(kube);
  });

  it('keeps only the latest status of an object while it waits for its turn', async () => {
    const { kube, writer, targets: [a, b] } = await setup(['a', 'b'], { qps: 2, burst: 1 });
    assert.ok(a !== undefined && b !== undefined);
    writer.write(a, status(1));
    writer.write(b, status(1));
    writer.write(b, status(2));
    writer.write(b, status(3));
    await writer.idle();
    const bodies = statusPatches(kube).filter((r) => r.path.endsWith('/b/status')).map((r) => (r.body as { status: JsonObject }).status);
    assert.deepEqual(bodies, [status(3)]);
  });

  it('honours Retry-After on 429 and retries 5xx and conflicts with backoff', async () => {
    const { kube, writer, targets: [t] } = await setup(['one']);
    assert.ok(t !== undefined);
    kube.failNext({ verb: 'patch', path: '/status', status: 429, retryAfterSeconds: 1 });
    writer.write(t, status(1));
    await writer.idle();
    const [throttled, retried] = statusPatches(kube);
    assert.equal(throttled?.status, 429);
    assert.equal(retried?.status, 200);
    assert.ok((retried?.at ?? 0) - (throttled?.at ?? 0) >= 950, 'waited for Retry-After');
    assert.ok((writer.stats().lastRetryDelayMs ?? 0) >= 1000);

    kube.failNext({ verb: 'patch', path: '/status', status: 500 });
    kube.failNext({ verb: 'patch', path: '/status', status: 409 });
    kube.failNext({ verb: 'patch', path: '/status', status: 503 });
    writer.write(t, status(2));
    await writer.idle();
    assert.deepEqual(statusPatches(kube).slice(2).map((r) => r.status), [500, 409, 503, 200]);
    assert.deepEqual(kube.get('jussi.io/v1alpha1', 'JsonRpcUpstream', NS, 'one')?.['status'], status(2));
    assert.equal(writer.stats().failed, 4);
    assert.equal(writer.stats().failing, 0);
    assertNever415(kube);
  });

  it('backs off a persistently failing object (403): doubling to the cap, logged once, reset by a success', async () => {
    const logger = memoryLogger();
    const outcomes: string[] = [];
    const { kube, writer, targets: [t] } = await setup(['one'], { backoff: { baseMs: 40, capMs: 320 }, logger });
    assert.ok(t !== undefined);
    writer.onOutcome((_target, outcome, error) => outcomes.push(`${outcome}:${error?.status ?? ''}`));
    kube.failNext({ verb: 'patch', path: '/status', status: 403, count: 1_000_000, message: 'jsonrpcupstreams.jussi.io "one" is forbidden' });
    writer.write(t, status(1));
    await waitFor(() => statusPatches(kube).length >= 7, 'seven attempts');
    // Figures that moved do not jump the backoff.
    writer.write(t, figures(1, 5));
    // Counted once its answer is in (the server logs a request before the writer hears back).
    await waitFor(() => outcomes.length >= 8, 'an eighth attempt answered');
    const times = statusPatches(kube).map((r) => r.at);
    const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0));
    const expected = [40, 80, 160, 320, 320, 320, 320];
    for (const [i, want] of expected.entries()) assert.ok((gaps[i] ?? 0) >= want - 5, `gap ${i + 1} was ${gaps[i]} ms, the backoff is ${want} ms (gaps ${gaps.join(', ')})`);
    assert.ok(outcomes.length >= 8 && outcomes.every((o) => o === 'failed:403'), outcomes.join());
    assert.ok(writer.stats().failed >= 8);
    assert.equal(writer.stats().failing, 1);
    assert.equal(logger.matching('writing status failed').length, 1, 'one line for a failure that does not change');
    assert.equal(logger.matching('writing status failed')[0]?.fields['resource'], `jsonrpcupstreams/${NS}/one`);

    kube.faults.clear();
    await waitFor(() => kube.get('jussi.io/v1alpha1', 'JsonRpcUpstream', NS, 'one')?.['status'] !== undefined, 'written once the API allows it');
    await writer.idle();
    assert.equal(writer.stats().failing, 0);
    assert.equal(logger.matching('status written after failed attempts').length, 1);

    // Backoff starts again from the bottom, and an edit (a new generation) is tried at once.
    kube.clearRequests();
    kube.failNext({ verb: 'patch', path: '/status', status: 422, count: 2 });
    writer.write(t, status(2));
    await writer.idle();
    const again = statusPatches(kube);
    assert.deepEqual(again.map((r) => r.status), [422, 422, 200]);
    assert.ok((again[1]?.at ?? 0) - (again[0]?.at ?? 0) < 320, 'reset: the first retry waits the base delay, not the cap');
    assert.equal(logger.matching('writing status failed').length, 2, 'a different error is a change of state');
  });

  it('an edit of a failing object is tried at once, not after its backoff', async () => {
    const { kube, writer, targets: [t] } = await setup(['one'], { backoff: { baseMs: 60_000, capMs: 60_000 } });
    assert.ok(t !== undefined);
    kube.failNext({ verb: 'patch', path: '/status', status: 403 });
    writer.write(t, status(1));
    await waitFor(() => writer.stats().failing === 1, 'the first attempt failed');
    writer.write(t, status(2));
    await writer.idle();
    assert.deepEqual(statusPatches(kube).map((r) => r.status), [403, 200]);
  });

  it('writes new generations and condition changes before figures that merely moved', async () => {
    const names = ['f1', 'f2', 'f3', 'f4', 'edited', 'flipped'];
    const { kube, writer, targets } = await setup(names, { qps: 20, burst: 1 });
    for (const t of targets) writer.observe(t, figures(1, 0));
    for (const t of targets.slice(0, 4)) writer.write(t, figures(1, 7));
    writer.write(targets[4]!, figures(2, 0));
    writer.write(targets[5]!, { ...figures(1, 0), conditions: status(1, 'ok', 'False')['conditions'] ?? null });
    await writer.idle();
    const order = statusPatches(kube).map(patchedName);
    // The first token was free: f1 may have gone before the others were queued.
    assert.deepEqual(order.filter((n) => n !== 'f1').slice(0, 2).sort(), ['edited', 'flipped']);
    assert.deepEqual(order.slice(-3), ['f2', 'f3', 'f4']);
  });

  it("serves each pass's new generations round-robin: an edit is not stuck behind a bulk create", async () => {
    const bulk = Array.from({ length: 30 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
    const { kube, writer, targets } = await setup([...bulk, 'edited'], { qps: 40, burst: 1 });
    const edited = targets.at(-1)!;
    writer.observe(edited, status(1));
    writer.beginPass();
    for (const t of targets.slice(0, -1)) writer.write(t, status(1));
    await waitFor(() => statusPatches(kube).length >= 3, "the bulk started");
    writer.beginPass();
    writer.write(edited, status(2));
    await writer.idle();
    const order = statusPatches(kube).map(patchedName);
    const at = order.indexOf("edited");
    assert.ok(at !== -1 && at <= order.indexOf('bulk-29') - 20, `the edit went out at position ${at} of ${order.length}`);
  });

  it('drops objects that are gone (404)', async () => {
    const { kube, writer } = await setup([]);
    const gone = { kind: 'CacheRule', plural: 'cacherules', namespace: NS, name: 'deleted' };
    writer.write(gone, { observedGeneration: 1 });
    await writer.idle();
    assert.equal(writer.stats().dropped, 1);
    assert.deepEqual(statusPatches(kube).map((r) => r.status), [404]);
  });

  it('while the API server does not answer, waits and retries at a fixed short period; says so once', async () => {
    const logger = memoryLogger();
    const { kube, writer, targets: [t] } = await setup(['one'], { logger });
    assert.ok(t !== undefined);
    await kube.goDown();
    writer.write(t, status(7));
    await waitFor(() => writer.stats().failed >= 3, 'failed attempts while the API is down');
    assert.equal(writer.stats().unreachable, true);
    assert.equal(writer.stats().failing, 0, 'not counted against the object');
    assert.equal(writer.stats().lastRetryDelayMs, 100);
    assert.equal(logger.matching('does not answer').length, 1);
    await kube.comeUp();
    await writer.idle();
    assert.deepEqual(kube.get('jussi.io/v1alpha1', 'JsonRpcUpstream', NS, 'one')?.['status'], status(7));
    assert.equal(writer.stats().unreachable, false);
    assert.equal(logger.matching('answers again').length, 1);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then one token per 1/rate seconds', () => {
    const b = new TokenBucket(10, 3, 0);
    assert.deepEqual([b.take(0), b.take(0), b.take(0)], [0, 0, 0]);
    assert.equal(b.take(0), 100);
    assert.equal(b.take(50), 50);
    assert.equal(b.take(100), 0);
    assert.equal(b.take(100), 100);
    assert.equal(b.take(10_000), 0, 'refilled');
    assert.deepEqual([b.take(10_000), b.take(10_000), b.take(10_000)], [0, 0, 100], 'never more than the burst');
    assert.throws(() => new TokenBucket(0, 1, 0));
  });
});
