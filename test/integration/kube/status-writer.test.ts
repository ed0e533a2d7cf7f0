// Status writes by server-side apply on /status: only on change, rate-bounded, retried.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { StatusWriter, type StatusTarget, type StatusWriterOptions } from '@jussi/operator/kube/status-writer';
import { TokenBucket } from '@jussi/operator/kube/token-bucket';
import { FIELD_MANAGER } from '@jussi/operator/names';
import { FakeKube, waitFor, type JsonObject, type RequestRecord } from '../../support/fake-kube/index.js';

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
  const writer = new StatusWriter({ kubeConfig: kube.kubeConfig(), backoffMinMs: 20, backoffMaxMs: 200, ...options });
  cleanups.push(async () => {
    await writer.stop();
    await kube.close();
  });
  const targets = names.map((name) => ({ kind: 'JsonRpcUpstream', plural: 'jsonrpcupstreams', namespace: NS, name }));
  return { kube, writer, targets };
}

function status(generation: number, message = 'ok'): JsonObject {
  return {
    observedGeneration: generation,
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message, observedGeneration: generation, lastTransitionTime: '2026-01-01T00:00:00Z' }],
  };
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
    const { kube, writer, targets } = await setup(names, { ratePerSecond: rate, burst });
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
    const { kube, writer, targets: [a, b] } = await setup(['a', 'b'], { ratePerSecond: 2, burst: 1 });
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
    assert.equal(writer.stats().retries, 4);
    assertNever415(kube);
  });

  it('gives up after maxAttempts, and on permanent errors at once', async () => {
    const outcomes: string[] = [];
    const { kube, writer, targets: [t] } = await setup(['one'], { maxAttempts: 3 });
    assert.ok(t !== undefined);
    writer.onOutcome((_target, outcome, error) => outcomes.push(`${outcome}:${error?.status ?? ''}`));
    kube.failNext({ verb: 'patch', path: '/status', status: 500, count: 3 });
    writer.write(t, status(1));
    await writer.idle();
    kube.failNext({ verb: 'patch', path: '/status', status: 422 });
    writer.write(t, status(2));
    await writer.idle();
    assert.deepEqual(outcomes, ['failed:500', 'failed:422']);
    assert.equal(statusPatches(kube).length, 4);
    assert.equal(writer.stats().failed, 2);
    writer.write(t, status(2));
    await writer.idle();
    assert.deepEqual(outcomes, ['failed:500', 'failed:422', 'written:'], 'a failed status is tried again when asked again');
  });

  it('drops objects that are gone (404)', async () => {
    const { kube, writer } = await setup([]);
    const gone = { kind: 'CacheRule', plural: 'cacherules', namespace: NS, name: 'deleted' };
    writer.write(gone, { observedGeneration: 1 });
    await writer.idle();
    assert.equal(writer.stats().dropped, 1);
    assert.deepEqual(statusPatches(kube).map((r) => r.status), [404]);
  });

  it('reaches the rest after the API comes back', async () => {
    const { kube, writer, targets: [t] } = await setup(['one'], { maxAttempts: 50 });
    assert.ok(t !== undefined);
    await kube.goDown();
    writer.write(t, status(7));
    await waitFor(() => writer.stats().retries >= 2, 'failed attempts while the API is down');
    await kube.comeUp();
    await writer.idle();
    assert.deepEqual(kube.get('jussi.io/v1alpha1', 'JsonRpcUpstream', NS, 'one')?.['status'], status(7));
    assert.ok(writer.stats().retries >= 1);
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
