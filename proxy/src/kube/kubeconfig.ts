// Where the Kubernetes client configuration comes from: the pod's service account when running
// in a cluster, else the KUBECONFIG files or ~/.kube/config, or one given explicitly (tests).
// client-node's loadFromDefault also falls back to http://localhost:8080, which would hide a
// missing configuration; here that is an error a person can act on.

import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeConfigResult =
  | { readonly ok: true; readonly kubeConfig: KubeConfig; readonly origin: string; readonly namespace: string | null }
  | { readonly ok: false; readonly message: string };

export interface LoadKubeConfigOptions {
  /** Use this configuration as is. */
  readonly kubeConfig?: KubeConfig;
  /** Environment to read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prefix for the service-account files (tests): `<root>/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountRoot?: string;
  /** Home directory holding `.kube/config` (default os.homedir()). */
  readonly home?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function contextNamespace(kc: KubeConfig): string | null {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace ?? null;
}

export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfigResult {
  if (options.kubeConfig !== undefined) {
    return { ok: true, kubeConfig: options.kubeConfig, origin: 'explicit configuration', namespace: contextNamespace(options.kubeConfig) };
  }
  const env = options.env ?? process.env;
  const root = options.serviceAccountRoot ?? '';
  const saDir = `${root}${SERVICE_ACCOUNT_DIR}`;
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const kc = new KubeConfig();
  try {
    if (host !== undefined && host !== '' && port !== undefined && port !== '' && existsSync(join(saDir, 'token'))) {
      // As client-node's loadFromCluster, but reading the given environment.
      const nsFile = join(saDir, 'namespace');
      const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : null;
      const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
      kc.loadFromOptions({
        clusters: [{ name: 'inCluster', server, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false }],
        users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(saDir, 'token') } } }],
        contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', ...(namespace === null ? {} : { namespace }) }],
        currentContext: 'inClusterContext',
      });
      return { ok: true, kubeConfig: kc, origin: `in-cluster service account (${saDir})`, namespace };
    }
    const files = (env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '');
    if (files.length > 0) {
      const present = files.filter((f) => existsSync(f));
      if (present.length === 0) return { ok: false, message: `KUBECONFIG names no existing file: ${files.join(delimiter)}` };
      kc.loadFromFile(present[0] as string);
      for (const f of present.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
      return { ok: true, kubeConfig: kc, origin: `KUBECONFIG ${present.join(delimiter)}`, namespace: contextNamespace(kc) };
    }
    const homeConfig = join(options.home ?? homedir(), '.kube', 'config');
    if (existsSync(homeConfig)) {
      kc.loadFromFile(homeConfig);
      return { ok: true, kubeConfig: kc, origin: homeConfig, namespace: contextNamespace(kc) };
    }
  } catch (err) {
    return { ok: false, message: `cannot load the Kubernetes configuration: ${err instanceof Error ? err.message : String(err)}` };
  }
  return {
    ok: false,
    message: 'no Kubernetes configuration: not in a pod (KUBERNETES_SERVICE_HOST unset or no service-account token), KUBECONFIG unset and no ~/.kube/config',
  };
}
