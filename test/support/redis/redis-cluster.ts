// A real Redis Cluster for tests: N `redis-server --cluster-enabled yes` masters joined with
// `redis-cli --cluster create`, waited on until every node reports `cluster_state:ok`.
import { spawn } from 'node:child_process';
import { RedisServer, stopAll, waitUntil } from './redis-server.js';

export class RedisCluster {
  private constructor(readonly nodes: readonly RedisServer[]) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        nodes.push(await RedisServer.start({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
      }
      await createCluster(nodes);
      await waitUntil(
        'the cluster to be ok on every node',
        async () => {
          for (const n of nodes) {
            if ((await n.info('cluster'))['cluster_enabled'] !== '1') return false;
            const info = String(await n.command('CLUSTER', 'INFO'));
            if (!info.includes('cluster_state:ok')) return false;
          }
          return true;
        },
        30_000,
      );
      return new RedisCluster(nodes);
    } catch (err) {
      await stopAll(...nodes);
      throw err;
    }
  }

  /** `redis+cluster://` URL listing every node as a seed. */
  get url(): string {
    return `redis+cluster://${this.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  }

  /** The node that holds a key (the others answer MOVED). */
  async nodeOf(key: string): Promise<RedisServer> {
    for (const n of this.nodes) {
      const exists = await n.command('EXISTS', key).catch(() => 0);
      if (exists === 1) return n;
    }
    throw new Error(`no node holds ${key}`);
  }

  async stop(): Promise<void> {
    await stopAll(...this.nodes);
  }
}

function createCluster(nodes: readonly RedisServer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'];
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create failed (${String(code)}):\n${output}`))));
  });
}
