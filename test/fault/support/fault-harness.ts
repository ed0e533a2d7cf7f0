// The fault-injection suite's tools: real processes on loopback (the built proxy CLI, fake
// upstreams in their own processes, redis-server), a bounded client load that checks every
// answer, and the figures each scenario prints.
//
// Every request of a load is a single JSON-RPC call with its own id whose expected result is
// known (the fake upstream echoes method and params). Each one ends in exactly one outcome:
//   ok                 the answer carries the request's id and the expected result
//   rpc:<code>         the answer carries the request's id and a JSON-RPC error object
//   transport:<code>   no HTTP answer (connection reset by a killed process, ...)
//   wrong-id, wrong-result, duplicate, http:<status>, not-json: never acceptable
// Scenarios bound the failures (rpc and transport outcomes) to what their fault explains.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { freePort, waitFor } from '../../support/fake-upstream/index.js';

const here = fileURLToPath(import.meta.url);
const upstreamMain = fileURLToPath(new URL(`./upstream-process${extname(here)}`, import.meta.url));

// ------------------------------------------------------------------------------------------
// Upstreams as processes.

export interface UpstreamProcessOptions {
  readonly dropMessageRate?: number;
  readonly dropConnectionRate?: number;
  readonly bigBytes?: number;
}

export class UpstreamProcess {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly options: UpstreamProcessOptions,
  ) {}

  static async start(port: number, options: UpstreamProcessOptions = {}): Promise<UpstreamProcess> {
    const p = new UpstreamProcess(port, options);
    await p.launch();
    return p;
  }

  httpUrl(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  wsUrl(path = '/'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts (again) on the same port; resolves once it listens. */
  async launch(): Promise<void> {
    const child = spawn(process.execPath, [...process.execArgv, upstreamMain], {
      env: {
        ...process.env,
        PORT: String(this.port),
        DROP_MESSAGE_RATE: String(this.options.dropMessageRate ?? 0),
        DROP_CONNECTION_RATE: String(this.options.dropConnectionRate ?? 0),
        BIG_BYTES: String(this.options.bigBytes ?? 0),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (output.includes('listening ')) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code) => reject(new Error(`upstream process exited with ${code}: ${output}`)));
    });
    child.removeAllListeners('exit');
  }

  /** kill -9: connections are cut without a goodbye, as a crash does. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stats(): Promise<{ calls: number; droppedMessages: number; droppedConnections: number; big: number }> {
    return (await (await fetch(this.httpUrl('/stats'))).json()) as never;
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

// ------------------------------------------------------------------------------------------
// Load.

export type Outcome = 'ok' | `rpc:${number}` | `transport:${string}` | 'wrong-id' | 'wrong-result' | 'duplicate' | `http:${number}` | 'not-json';

export interface RequestRecord {
  readonly id: string;
  readonly method: string;
  readonly sentAt: number;
  readonly doneAt: number;
  readonly outcome: Outcome;
}

export interface LoadOptions {
  readonly url: string;
  /** Loops sending one request at a time each (and client connections). */
  readonly concurrency: number;
  /** The method of request number `seq` (its params are `[param(seq)]`; the answer must echo both). */
  readonly method: (seq: number) => string;
  /** The one param of request `seq` (default `seq`); repeating values makes cache hits. */
  readonly param?: (seq: number) => number;
  /** Stop after this many requests even if `stop()` was not called. */
  readonly maxRequests?: number;
}

export class Load {
  readonly records: RequestRecord[] = [];
  private readonly answered = new Set<string>();
  private readonly pool: Pool;
  private running = true;
  private seq = 0;
  private readonly loops: Promise<void>[];
  /** Requests sent and not answered yet. */
  inFlight = 0;

  constructor(private readonly options: LoadOptions) {
    this.pool = new Pool(options.url, { connections: options.concurrency, headersTimeout: 120_000, bodyTimeout: 120_000 });
    this.loops = Array.from({ length: options.concurrency }, () => this.loop());
  }

  get count(): number {
    return this.records.length;
  }

  /** Outcomes so far that are `ok`. */
  get ok(): number {
    return this.records.filter((r) => r.outcome === 'ok').length;
  }

  /** Resolves once `n` more requests have been answered. */
  async answeredMore(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.records.length + n;
    await waitFor(() => this.records.length >= target, { timeoutMs, message: `${n} more answers` });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.pool.close();
  }

  private async loop(): Promise<void> {
    const max = this.options.maxRequests ?? Number.POSITIVE_INFINITY;
    while (this.running && this.seq < max) {
      const seq = this.seq++;
      const method = this.options.method(seq);
      const id = `r${seq}`;
      const sentAt = Date.now();
      this.inFlight += 1;
      const outcome = await this.one(id, method, this.options.param?.(seq) ?? seq);
      this.inFlight -= 1;
      this.records.push({ id, method, sentAt, doneAt: Date.now(), outcome });
    }
  }

  private async one(id: string, method: string, param: number): Promise<Outcome> {
    let status: number;
    let text: string;
    try {
      const res = await this.pool.request({
        path: '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params: [param] }),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return `transport:${typeof code === 'string' ? code : err instanceof Error ? err.name : 'error'}`;
    }
    if (status !== 200) return `http:${status}`;
    let answer: { id?: unknown; result?: unknown; error?: { code?: unknown } };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      return 'not-json';
    }
    if (answer.id !== id) return 'wrong-id';
    if (this.answered.has(id)) return 'duplicate';
    this.answered.add(id);
    if (answer.error !== undefined) return `rpc:${typeof answer.error.code === 'number' ? answer.error.code : Number.NaN}`;
    const result = answer.result as { method?: unknown; params?: unknown } | undefined;
    const params = Array.isArray(result?.params) ? result.params : [];
    return result?.method === method && params.length === 1 && params[0] === param ? 'ok' : 'wrong-result';
  }
}

// ------------------------------------------------------------------------------------------
// The proxy.

export async function proxyPorts(): Promise<{ JUSSI_SERVER_PORT: string; JUSSI_ADMIN_PORT: string }> {
  return { JUSSI_SERVER_PORT: String(await freePort()), JUSSI_ADMIN_PORT: String(await freePort()) };
}

/** The proxy's /state. */
export async function proxyState(adminUrl: string): Promise<{ workers: number; redis: string; configHash: string | null; upstreams: { url: string; size: number; healthy: boolean }[] }> {
  return (await (await fetch(`${adminUrl}/state`)).json()) as never;
}

// ------------------------------------------------------------------------------------------
// Figures and checks.

export interface Figures {
  readonly requests: number;
  readonly ok: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly recoveryMs: number | null;
  readonly rssBeforeMiB: number | null;
  readonly rssAfterMiB: number | null;
}

/** Resident memory of a process, MiB (Linux /proc); null when it cannot be read. */
export function rssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/** Outcomes other than `ok`, counted by kind. */
export function failureKinds(records: readonly RequestRecord[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const r of records) if (r.outcome !== 'ok') kinds[r.outcome] = (kinds[r.outcome] ?? 0) + 1;
  return kinds;
}

/**
 * Time from `at` (the fault ending: an upstream back, Redis resumed) until every request sent
 * since has succeeded: the last failure of a request sent after `at`, or 0 when none failed.
 */
export function recoveryMs(records: readonly RequestRecord[], at: number): number {
  let last = at;
  for (const r of records) if (r.sentAt >= at && r.outcome !== 'ok') last = Math.max(last, r.doneAt);
  return last - at;
}

export function figures(records: readonly RequestRecord[], recovery: number | null, rssBefore: number | null, rssAfter: number | null): Figures {
  return {
    requests: records.length,
    ok: records.filter((r) => r.outcome === 'ok').length,
    failures: failureKinds(records),
    recoveryMs: recovery,
    rssBeforeMiB: rssBefore,
    rssAfterMiB: rssAfter,
  };
}

/** Prints the scenario's figures (one line the CI log keeps) and returns them. */
export function report(scenario: string, f: Figures): Figures {
  const failures = Object.entries(f.failures).map(([k, n]) => `${k}=${n}`).join(' ') || 'none';
  console.log(
    `# fault ${scenario}: requests=${f.requests} ok=${f.ok} failures: ${failures}; recovery=${f.recoveryMs === null ? 'n/a' : `${f.recoveryMs} ms`}; rss before=${f.rssBeforeMiB ?? '?'} MiB after=${f.rssAfterMiB ?? '?'} MiB`,
  );
  return f;
}

const NEVER = ['wrong-id', 'wrong-result', 'duplicate', 'not-json'];

/**
 * The suite's invariants: every request got one answer carrying its own id, with the right
 * result or a JSON-RPC error (never another's answer, never garbage); at most `maxFailures`
 * failed, each of a kind in `allowed` (prefix match: `rpc:` or `transport:`).
 */
export function assertBounded(f: Figures, maxFailures: number, allowed: readonly string[], what: string): void {
  for (const kind of Object.keys(f.failures)) {
    assert.ok(!NEVER.includes(kind), `${what}: ${f.failures[kind]} answers were ${kind}`);
    assert.ok(!kind.startsWith('http:'), `${what}: ${f.failures[kind]} answers were ${kind}`);
    assert.ok(allowed.some((a) => kind === a || (a.endsWith(':') && kind.startsWith(a))), `${what}: unexpected failure kind ${kind} (${f.failures[kind]})`);
  }
  const failed = f.requests - f.ok;
  assert.ok(failed <= maxFailures, `${what}: ${failed} failures, more than the ${maxFailures} the fault explains (${JSON.stringify(f.failures)})`);
  assert.ok(f.ok > 0, `${what}: nothing succeeded`);
}
