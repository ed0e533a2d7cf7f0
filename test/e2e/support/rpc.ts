// JSON-RPC through the proxy Service from the test process: a `kubectl port-forward` to the
// Service (restarted if it dies), and a POST helper that returns status, headers and body.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { E2eSettings } from './env.js';
import { until } from './wait.js';

export interface RpcReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export class ProxyClient {
  private child: ChildProcess | undefined;
  private port: number | undefined;
  private nextId = 1;

  constructor(private readonly settings: E2eSettings) {}

  private async forward(): Promise<number> {
    if (this.child !== undefined && this.child.exitCode === null && this.port !== undefined) return this.port;
    const { kubectl, kubeconfig, namespace, release } = this.settings;
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, '-n', namespace, 'port-forward', `svc/${release}-proxy`, ':9000', '--address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
        if (m?.[1] !== undefined) resolve(Number(m[1]));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => { output += c.toString('utf8'); });
      child.once('exit', (code) => reject(new Error(`kubectl port-forward exited with ${String(code)}: ${output}`)));
      child.once('error', reject);
    });
    this.port = port;
    return port;
  }

  /** POSTs a JSON-RPC payload (an object or a batch) and parses the reply. */
  async post(payload: unknown): Promise<RpcReply> {
    const port = await this.forward();
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the assertions show the text
    }
    return { status: res.status, headers: res.headers, body };
  }

  /** One call; retried across a port-forward that died (a proxy pod was replaced). */
  async call(method: string, params?: unknown): Promise<RpcReply> {
    const id = this.nextId++;
    return until(`a reply to ${method}`, async () => {
      try {
        return { value: await this.post({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }), seen: '' };
      } catch (err) {
        this.close();
        throw err;
      }
    }, 60_000, 2000);
  }

  close(): void {
    if (this.child !== undefined && this.child.exitCode === null) this.child.kill();
    this.child = undefined;
    this.port = undefined;
  }

  async closed(): Promise<void> {
    const child = this.child;
    this.close();
    if (child !== undefined && child.exitCode === null) await once(child, 'exit');
  }
}

export function resultOf(reply: RpcReply): Record<string, unknown> {
  const body = reply.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error(`not a single JSON-RPC response: ${JSON.stringify(body)}`);
  const result = (body as Record<string, unknown>)['result'];
  if (result === null || typeof result !== 'object' || Array.isArray(result)) throw new Error(`no result object: ${JSON.stringify(body)}`);
  return result as Record<string, unknown>;
}
