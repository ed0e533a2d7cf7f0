// Lease-based leader election against the fake API server.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { electionLogLine } from '@jussi/operator/controller/election-log';
import { LeaderElector, type ElectionState, type LeaderElectionOptions } from '@jussi/operator/kube/leader-election';
import { FakeKube, waitFor, type JsonObject } from '../../support/fake-kube/index.js';

const NS = 'jussi-system';
const LEASE = 'jussi-operator';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function fake(): Promise<FakeKube> {
  const kube = await FakeKube.start();
  cleanups.push(() => kube.close());
  return kube;
}

function elector(kube: FakeKube, identity: string, timing: Partial<LeaderElectionOptions> = {}): { e: LeaderElector; changes: boolean[]; states: ElectionState[] } {
  const e = new LeaderElector({
    kubeConfig: kube.kubeConfig(), namespace: NS, name: LEASE, identity,
    leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250, ...timing,
  });
  const changes: boolean[] = [];
  const states: ElectionState[] = [];
  e.onChange((leading) => changes.push(leading));
  e.onState((state) => states.push(state));
  cleanups.push(() => e.stop({ release: false }));
  return { e, changes, states };
}

/** Candidate `a` leading and `b` started as its standby, having seen `a` hold the lease. */
async function leaderAndStandby(kube: FakeKube, timing: Partial<LeaderElectionOptions> = {}): Promise<{ a: ReturnType<typeof elector>; b: ReturnType<typeof elector> }> {
  const a = elector(kube, 'a', timing);
  const b = elector(kube, 'b', timing);
  a.e.start();
  await waitFor(() => a.e.isLeader(), 'a leads');
  b.e.start();
  await waitFor(() => b.e.stats().holder === 'a', 'b sees a');
  return { a, b };
}

function leaseSpec(kube: FakeKube): JsonObject {
  return (kube.get('coordination.k8s.io/v1', 'Lease', NS, LEASE)?.['spec'] ?? {}) as JsonObject;
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead, and keeps renewing', async () => {
    const kube = await fake();
    const a = elector(kube, 'a');
    const b = elector(kube, 'b');
    a.e.start();
    await waitFor(() => a.e.isLeader(), 'a leads');
    b.e.start();
    await waitFor(() => a.e.stats().renewals >= 6, 'several renewals');
    assert.equal(b.e.isLeader(), false);
    assert.equal(b.e.stats().holder, 'a');
    assert.deepEqual(a.changes, [true]);
    assert.deepEqual(b.changes, []);
    const spec = leaseSpec(kube);
    assert.equal(spec['holderIdentity'], 'a');
    assert.equal(spec['leaseDurationSeconds'], 3);
    assert.equal(spec['leaseTransitions'], 0);
    assert.match(String(spec['renewTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime has microseconds');
    assert.ok(kube.writes({ path: `/leases/${LEASE}` }).every((w) => w.verb === 'update' && w.status === 200), 'only a renews');
  });

  it('lets a standby take over once the leader stops renewing', async () => {
    const kube = await fake();
    const { a, b } = await leaderAndStandby(kube);
    await a.e.stop({ release: false });
    await waitFor(() => b.e.isLeader(), 'b takes over after expiry');
    const spec = leaseSpec(kube);
    assert.equal(spec['holderIdentity'], 'b');
    assert.equal(spec['leaseTransitions'], 1);
    assert.deepEqual(a.changes, [true, false]);
  });

  it('releases the lease on shutdown so a standby takes over at once', async () => {
    const kube = await fake();
    // A 60 s lease: without the release the standby would wait a minute.
    const timing = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 100 };
    const { a, b } = await leaderAndStandby(kube, timing);
    await a.e.stop();
    assert.equal(a.e.isLeader(), false);
    await waitFor(() => b.e.isLeader(), 'b leads after the release', 20_000);
    assert.equal(leaseSpec(kube)['holderIdentity'], 'b');
  });

  it('steps down when it cannot renew within the deadline, and leads again once it can', async () => {
    const kube = await fake();
    const a = elector(kube, 'a');
    a.e.start();
    await waitFor(() => a.e.isLeader(), 'a leads');
    await kube.goDown();
    await waitFor(() => !a.e.isLeader() && a.changes.length === 2, 'a steps down');
    assert.deepEqual(a.changes, [true, false]);
    assert.ok(a.e.stats().failures >= 1);
    await kube.comeUp();
    await waitFor(() => a.e.isLeader(), 'a leads again');
  });

  it('treats 409 on create or renew as a lost race and carries on', async () => {
    const kube = await fake();
    kube.failNext({ verb: 'create', path: '/leases', status: 409 });
    const a = elector(kube, 'a');
    a.e.start();
    await waitFor(() => a.e.isLeader(), 'a leads after losing the first race');
    assert.deepEqual(kube.requests({ verb: 'create', path: '/leases' }).map((r) => r.status), [409, 201]);
    kube.failNext({ verb: 'update', path: `/leases/${LEASE}`, status: 409 });
    const renewals = a.e.stats().renewals;
    await waitFor(() => a.e.stats().renewals >= renewals + 2, 'renewing after the conflict');
    assert.ok(kube.requests({ verb: 'update' }).some((r) => r.status === 409));
    assert.deepEqual(a.changes, [true], 'one conflict within the deadline does not cost leadership');
  });

  it('bounds each API call, so a hanging server costs leadership but not the loop', async () => {
    const kube = await fake();
    const a = elector(kube, 'a', { requestTimeoutMs: 300 });
    a.e.start();
    await waitFor(() => a.e.isLeader(), 'a leads');
    kube.failNext({ verb: 'get', path: `/leases/${LEASE}`, status: 'hang', count: 12 });
    await waitFor(() => !a.e.isLeader(), 'a steps down while its calls hang');
    assert.ok(a.e.stats().failures >= 1);
    await waitFor(() => kube.faults.pending() === 0, 'all hanging calls made');
    await waitFor(() => a.e.isLeader(), 'a leads again once the server answers');
    assert.deepEqual(a.changes, [true, false, true]);
  });

  it('says what is true when the API server is unreachable: it cannot acquire the Lease, and why; once', async () => {
    const kube = await fake();
    await kube.goDown();
    const a = elector(kube, 'a');
    a.e.start();
    await waitFor(() => a.e.stats().failures >= 4, 'several failed attempts');
    assert.deepEqual(a.states.map((x) => x.kind), ['cannot-acquire'], 'reported once, and never "standing by"');
    const [state] = a.states;
    assert.ok(state?.kind === 'cannot-acquire');
    assert.match(state.error, /ECONNREFUSED|connect|socket/i);
    const line = electionLogLine(state, `${NS}/${LEASE}`, 250);
    assert.equal(line.message, `cannot acquire the Lease ${NS}/${LEASE}: retrying every 0.25 s`);
    assert.equal(line.fields['reason'], state.error);
    assert.doesNotMatch(line.message, /another replica leads|standing by/);
    await kube.comeUp();
    await waitFor(() => a.e.isLeader(), 'a leads once the server answers');
    assert.deepEqual(a.states.map((x) => x.kind), ['cannot-acquire', 'leading']);
  });

  it('a leader that cannot renew says so, then why it stopped leading', async () => {
    const kube = await fake();
    const a = elector(kube, 'a');
    a.e.start();
    await waitFor(() => a.e.isLeader(), 'a leads');
    await kube.goDown();
    await waitFor(() => !a.e.isLeader(), 'a steps down');
    await waitFor(() => a.states.length >= 3, 'the step-down reported');
    assert.deepEqual(a.states.map((x) => x.kind), ['leading', 'renew-failing', 'stopped-leading']);
    const stopped = a.states[2];
    assert.ok(stopped?.kind === 'stopped-leading');
    assert.match(stopped.reason, /could not renew the Lease within the renew deadline \(2 s\): .*(ECONNREFUSED|connect|socket)/i);
    await waitFor(() => a.e.stats().failures >= 12, 'more failed attempts');
    assert.deepEqual(a.states.map((x) => x.kind), ['leading', 'renew-failing', 'stopped-leading', 'cannot-acquire'], 'then cannot acquire it, reported once');
  });

  it('a standby names the replica that holds the Lease', async () => {
    const kube = await fake();
    const { b } = await leaderAndStandby(kube);
    assert.deepEqual(b.states, [{ kind: 'standing-by', holder: 'a' }]);
    const line = electionLogLine(b.states[0]!, `${NS}/${LEASE}`, 250);
    assert.equal(line.message, `standing by: a holds the Lease ${NS}/${LEASE}`);
  });

  it('a standby that stops leaves the lease alone', async () => {
    const kube = await fake();
    const { a, b } = await leaderAndStandby(kube);
    await a.e.stop({ release: false });
    kube.clearRequests();
    await b.e.stop();
    assert.equal(kube.writes().length, 0);
  });
});
