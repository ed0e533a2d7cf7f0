// The kind end-to-end suite (run by `E2E_KIND=1 npm run test:e2e`, which creates the cluster,
// builds and loads the images and installs the chart first; see scripts/e2e.mjs). Anywhere else,
// including the regular `npm test`, it prints one "kind e2e skipped: <reason>" line and
// registers nothing: it imports no cluster code until the gate allows the run.
import { after, describe } from 'node:test';
import { readE2eGate } from './support/env.js';

const gate = readE2eGate();

if (!gate.ok) {
  console.log(`kind e2e skipped: ${gate.reason}`);
} else {
  const { Cluster } = await import('./support/cluster.js');
  const { ProxyClient } = await import('./support/rpc.js');
  const { resourcesSuite } = await import('./suites/resources.js');
  const { trafficSuite } = await import('./suites/traffic.js');
  const { reloadSuite } = await import('./suites/reload.js');
  const { validationSuite } = await import('./suites/validation.js');
  const { leaderSuite } = await import('./suites/leader.js');
  const { observabilitySuite } = await import('./suites/observability.js');
  const { helmTestSuite } = await import('./suites/helm-test.js');
  const ctx = { settings: gate.settings, cluster: new Cluster(gate.settings), proxy: new ProxyClient(gate.settings) };

  describe('kind e2e', () => {
    after(() => ctx.proxy.closed());
    // In this order: the leader test disrupts the operator for a while, helm test comes last.
    resourcesSuite(ctx);
    trafficSuite(ctx);
    reloadSuite(ctx);
    validationSuite(ctx);
    observabilitySuite(ctx);
    leaderSuite(ctx);
    helmTestSuite(ctx);
  });
}
