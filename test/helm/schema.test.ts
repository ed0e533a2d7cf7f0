// values.schema.json turns typos and bad values into errors at install time (helm validates
// values on install, upgrade, lint and template): each row is a mistake a person might make.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { template } from './support/helm.js';

const rejected: ReadonlyArray<{ set: Record<string, unknown>; message: RegExp }> = [
  { set: { 'metrics.serviceMonitor.enable': true }, message: /at '\/metrics\/serviceMonitor': additional properties 'enable' not allowed/ },
  { set: { 'proxy.replica': 3 }, message: /at '\/proxy': additional properties 'replica' not allowed/ },
  { set: { 'proxi': {} }, message: /additional properties 'proxi' not allowed/ },
  { set: { 'redis.enable': true }, message: /at '\/redis': additional properties 'enable' not allowed/ },
  { set: { 'crds.install': true }, message: /at '\/crds': additional properties 'install' not allowed/ },
  { set: { 'proxy.autoscaling.targetCPU': 50 }, message: /at '\/proxy\/autoscaling': additional properties 'targetCPU' not allowed/ },
  { set: { 'proxy.workers': 0 }, message: /at '\/proxy\/workers': minimum: got 0, want 1/ },
  { set: { 'proxy.replicas': 0 }, message: /at '\/proxy\/replicas': minimum/ },
  { set: { 'proxy.port': 70000 }, message: /at '\/proxy\/port': maximum/ },
  { set: { 'proxy.logLevel': 'verbose' }, message: /at '\/proxy\/logLevel'/ },
  { set: { 'operator.logFormat': 'xml' }, message: /at '\/operator\/logFormat'/ },
  { set: { 'proxy.image.pullPolicy': 'Sometimes' }, message: /at '\/proxy\/image\/pullPolicy'/ },
  { set: { 'redis.url': 'http://cache:6379' }, message: /at '\/redis\/url'/ },
  { set: { 'operator.watchNamespaces': ['Bad_Namespace'] }, message: /at '\/operator\/watchNamespaces\/0'/ },
  { set: { 'operator.limits.accountsBlacklist': ['a,b'] }, message: /at '\/operator\/limits\/accountsBlacklist\/0'/ },
  { set: { 'proxy.resources': { limits: { memory: 'lots' } } }, message: /at '\/proxy\/resources\/limits\/memory'/ },
  { set: { 'proxy.resources': { limit: { memory: '1Gi' } } }, message: /at '\/proxy\/resources': additional properties 'limit' not allowed/ },
  { set: { 'metrics.serviceMonitor.interval': '30 seconds' }, message: /at '\/metrics\/serviceMonitor\/interval'/ },
  { set: { 'proxy.tracing.sampler': 'sometimes' }, message: /at '\/proxy\/tracing\/sampler'/ },
  { set: { 'fullnameOverride': 'Not_A_Name' }, message: /at '\/fullnameOverride'/ },
];

describe('values.schema.json rejects mistakes', () => {
  for (const row of rejected) {
    it(`rejects ${JSON.stringify(row.set)}`, () => {
      const r = template({ set: row.set });
      assert.notEqual(r.status, 0, 'helm accepted it');
      assert.match(r.stderr, /values don't meet the specifications of the schema/);
      assert.match(r.stderr, row.message);
    });
  }

  it('accepts the same keys spelled right', () => {
    const r = template({ set: {
      'proxy.replicas': 3, 'proxy.workers': 2, 'proxy.logLevel': 'WARN', 'redis.url': 'rediss://cache:6380/1',
      'operator.watchNamespaces': ['rpc'], 'proxy.resources': { limits: { memory: '1Gi', cpu: 2 }, requests: { cpu: '500m', memory: '512Mi' } },
      'metrics.serviceMonitor.interval': '15s', 'proxy.tracing.sampler': 'always_on', 'fullnameOverride': 'rpc',
    } });
    assert.equal(r.status, 0, r.stderr);
  });
});
