// Whether the kind suite can run in this process, read once from the environment that
// scripts/e2e.mjs sets after it has created the cluster. Imports nothing cluster-related, so the
// regular `npm test` can load the suite file anywhere and just print the skip line.
import { existsSync } from 'node:fs';

export interface E2eSettings {
  readonly kubeconfig: string;
  /** Namespace of the release (and of the fake upstream). */
  readonly namespace: string;
  /** Namespace of the example resources (crds/examples, adapted to the fake upstream). */
  readonly examplesNamespace: string;
  readonly release: string;
  readonly helm: string;
  readonly kubectl: string;
  /** http:// and ws:// base URLs of the in-cluster fake upstream. */
  readonly fakeHttp: string;
  readonly fakeWs: string;
}

export type E2eGate = { readonly ok: true; readonly settings: E2eSettings } | { readonly ok: false; readonly reason: string };

export function readE2eGate(env: NodeJS.ProcessEnv = process.env): E2eGate {
  if (env['E2E_KIND'] !== '1') return { ok: false, reason: 'E2E_KIND is not 1 (run `E2E_KIND=1 npm run test:e2e` where Docker and kind are available)' };
  const kubeconfig = env['E2E_KUBECONFIG'];
  if (kubeconfig === undefined || kubeconfig === '') {
    return { ok: false, reason: 'E2E_KUBECONFIG is not set: run the suite through `E2E_KIND=1 npm run test:e2e`, which creates the cluster' };
  }
  if (!existsSync(kubeconfig)) return { ok: false, reason: `E2E_KUBECONFIG ${kubeconfig} does not exist` };
  const get = (name: string, fallback: string): string => {
    const v = env[name];
    return v === undefined || v === '' ? fallback : v;
  };
  const namespace = get('E2E_NAMESPACE', 'jussi-system');
  return {
    ok: true,
    settings: {
      kubeconfig,
      namespace,
      examplesNamespace: get('E2E_EXAMPLES_NAMESPACE', 'e2e-examples'),
      release: get('E2E_RELEASE', 'jussi'),
      helm: get('E2E_HELM', 'helm'),
      kubectl: get('E2E_KUBECTL', 'kubectl'),
      fakeHttp: get('E2E_FAKE_UPSTREAM_HTTP', `http://fake-upstream.${namespace}.svc:8080`),
      fakeWs: get('E2E_FAKE_UPSTREAM_WS', `ws://fake-upstream.${namespace}.svc:8080`),
    },
  };
}
