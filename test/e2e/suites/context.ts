// What every suite of the kind e2e gets: the settings, the cluster clients and a JSON-RPC client
// of the proxy Service. Created once by kind.test.ts after the gate allowed the run.
import { randomUUID } from 'node:crypto';
import type { Cluster } from '../support/cluster.js';
import type { E2eSettings } from '../support/env.js';
import type { ProxyClient, RpcReply } from '../support/rpc.js';

export interface SuiteContext {
  readonly settings: E2eSettings;
  readonly cluster: Cluster;
  readonly proxy: ProxyClient;
}

/** A value unique to this run, so a Redis that outlived an earlier run cannot answer for us. */
export function nonce(): string {
  return randomUUID();
}

export function cacheHit(reply: RpcReply): boolean {
  return reply.headers.get('x-jussi-cache-hit') !== null;
}
