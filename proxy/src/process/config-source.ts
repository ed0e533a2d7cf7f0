// Picks the config source the settings ask for: the ConfigMap through the Kubernetes API
// (JUSSI_CONFIG_CONFIGMAP), else the operator's long-poll (JUSSI_CONFIG_OPERATOR_URL, injected
// sidecars; the file, when set, is its fallback), else the file (JUSSI_UPSTREAM_CONFIG_FILE),
// else the embedded example.

import { readFile } from 'node:fs/promises';
import type { Settings } from '../config/settings.js';
import { EmbeddedConfigSource } from '../config/sources/embedded-source.js';
import { FileConfigSource } from '../config/sources/file-source.js';
import { OperatorConfigSource } from '../config/sources/operator-source.js';
import type { ConfigSource } from '../config/sources/source.js';

export type SourceChoice =
  | { readonly ok: true; readonly source: ConfigSource; /** An invalid first document ends the process (file, embedded) or waits (ConfigMap). */ readonly fatalAtStart: boolean }
  | { readonly ok: false; readonly message: string };

export async function chooseConfigSource(settings: Settings): Promise<SourceChoice> {
  if (settings.source.configMap !== null) {
    // Loaded only here: @kubernetes/client-node adds about 80 MiB to every process that imports it.
    const [{ loadKubeConfig }, { configMapSourceFromSettings }] = await Promise.all([import('../kube/kubeconfig.js'), import('../config/sources/configmap-source.js')]);
    const kube = loadKubeConfig();
    if (!kube.ok) return { ok: false, message: `JUSSI_CONFIG_CONFIGMAP is set but no Kubernetes API is reachable: ${kube.message}` };
    const source = configMapSourceFromSettings(settings.source, kube.kubeConfig);
    if (source === null) return { ok: false, message: 'JUSSI_CONFIG_CONFIGMAP could not be used' };
    return { ok: true, source, fatalAtStart: false };
  }
  const operator = settings.source.operator;
  if (operator !== null) {
    let caPem = operator.caPem;
    if (operator.caFile !== null) {
      try {
        caPem = await readFile(operator.caFile, 'utf8');
      } catch (err) {
        return { ok: false, message: `JUSSI_CONFIG_OPERATOR_CA_FILE ${operator.caFile} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    const fallback = settings.source.configFile === null ? null : new FileConfigSource(settings.source.configFile);
    const source = new OperatorConfigSource({ url: operator.url, tokenFile: operator.tokenFile, caPem, waitSeconds: operator.waitSeconds, adminPort: settings.admin.port === 0 ? null : settings.admin.port, fallback });
    // Waits for a valid document rather than exiting: the operator or the file may come later.
    return { ok: true, source, fatalAtStart: false };
  }
  if (settings.source.configFile !== null) return { ok: true, source: new FileConfigSource(settings.source.configFile), fatalAtStart: true };
  return { ok: true, source: new EmbeddedConfigSource(), fatalAtStart: true };
}
