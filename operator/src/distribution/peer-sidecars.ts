// Sidecars polling other operator replicas: the Service spreads polls over every replica, but
// only the leader writes status, so it reads each peer's registry (GET /v1/sidecars on the
// peer's config port, over TLS checked against our CA, with the peer token that only holders of
// the serving key can compute). A peer that does not answer contributes nothing this round; its
// sidecars come back when they poll another replica.

import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { InformerTuning } from '@jussi/proxy/kube/resilient-informer';
import type { ServingCertificate } from '../certs/serving-certificate.js';
import { mapWithConcurrency } from '../kube/concurrency.js';
import { ProxyDiscovery, type PortOf } from '../kube/proxy-discovery.js';
import { PEERS_PATH } from './config-server.js';
import type { SidecarEntry } from './sidecar-registry.js';

export interface PeerSidecarsOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly labelSelector: string;
  /** The peers' config port. */
  readonly port: number;
  /** This replica's pod name (skipped). */
  readonly self: string;
  readonly serving: ServingCertificate;
  readonly timeoutMs?: number;
  readonly portOf?: PortOf;
  readonly tuning?: Partial<InformerTuning>;
}

function isEntry(v: unknown): v is SidecarEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e['key'] === 'string' && typeof e['namespace'] === 'string' && typeof e['pod'] === 'string' && typeof e['ip'] === 'string'
    && (e['adminPort'] === null || typeof e['adminPort'] === 'number') && typeof e['runningHash'] === 'string' && typeof e['lastSeen'] === 'number' && typeof e['open'] === 'number';
}

export class PeerSidecars {
  private readonly discovery: ProxyDiscovery;
  private lastErrors: string[] = [];

  constructor(private readonly options: PeerSidecarsOptions) {
    this.discovery = new ProxyDiscovery({
      kubeConfig: options.kubeConfig,
      namespace: options.namespace,
      labelSelector: options.labelSelector,
      adminPort: options.port,
      ...(options.portOf === undefined ? {} : { portOf: options.portOf }),
      ...(options.tuning === undefined ? {} : { tuning: options.tuning }),
    });
  }

  start(): Promise<void> {
    return this.discovery.start();
  }

  stop(): Promise<void> {
    return this.discovery.stop();
  }

  errors(): readonly string[] {
    return this.lastErrors;
  }

  /** Every ready peer's live sidecars (one list per peer that answered). */
  async pull(): Promise<SidecarEntry[][]> {
    const material = this.options.serving.get();
    const token = this.options.serving.peerToken();
    if (material === null || token === null) return [];
    const peers = this.discovery.proxies().ready.filter((p) => p.pod !== this.options.self);
    const errors: string[] = [];
    const lists = await mapWithConcurrency(peers, 4, async (peer) => {
      try {
        return await this.fetch(peer.ip, peer.port, material.caPem ?? material.certPem, token);
      } catch (err) {
        errors.push(`${peer.pod}: ${err instanceof Error ? err.message : String(err)}`);
        return [];
      }
    });
    this.lastErrors = errors;
    return lists;
  }

  private fetch(ip: string, port: number, ca: string, token: string): Promise<SidecarEntry[]> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: ip, port, path: PEERS_PATH, method: 'GET', ca,
        // Peers are addressed by pod IP, which the certificate does not name; the chain is still
        // checked against our CA, and the peer token proves the replica holds the serving key.
        checkServerIdentity: () => undefined,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 2_000),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`HTTP ${res.statusCode ?? 0}`));
            return;
          }
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sidecars?: unknown };
            resolve(Array.isArray(body.sidecars) ? body.sidecars.filter(isEntry) : []);
          } catch {
            reject(new Error('the answer is not JSON'));
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
  }
}
