// Client configuration pointing at the fake API server. client-node 1.4.0 refuses a plain
// `http://` server unless the cluster entry sets `skipTLSVerify: true` (TS_OPERATORS.md §1).

import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export const FAKE_TOKEN = 'fake-kube-token';

function document(server: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: { token: FAKE_TOKEN } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace } }],
    'current-context': 'fake',
  };
}

/** kubeconfig YAML for `server` (e.g. the fake's url). */
export function fakeKubeconfigYaml(server: string, namespace = 'default'): string {
  return stringify(document(server, namespace));
}

export function fakeKubeConfig(server: string, namespace = 'default'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(fakeKubeconfigYaml(server, namespace));
  return kc;
}

export async function writeFakeKubeconfig(path: string, server: string, namespace = 'default'): Promise<void> {
  await writeFile(path, fakeKubeconfigYaml(server, namespace), 'utf8');
}
