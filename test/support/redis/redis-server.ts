// Real `redis-server` processes for tests: each on a free port with its own temporary directory
// and no persistence, optionally a replica of another. A test can stop, kill -9, restart (same
// port), pause (SIGSTOP: the server keeps its sockets but stops answering) and resume it, and
// count its client connections. Every server started here is killed when the process exits,
// even if a test forgot to stop it; tests should still stop theirs in `after`/`finally`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const INSPECTOR_NAME = 'jussi-test-inspector';
const HOST = '127.0.0.1';
const START_DEADLINE_MS = 20_000;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface RedisServerOptions {
  /** Start as a replica of this server (`--replicaof`), and wait until the link is up. */
  readonly replicaOf?: RedisServer;
  /** `requirepass` (and `masterauth` for a replica of a server with a password). */
  readonly password?: string;
  /** More `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly args?: readonly string[];
  /** Skip waiting for the replication link (e.g. when the primary is down on purpose). */
  readonly noWaitForSync?: boolean;
  /** Listen on this port (e.g. one a client was pointed at before the server existed). */
  readonly port?: number;
  /** Run as a Sentinel (`--sentinel`) monitoring this server as master `name` (quorum 1). */
  readonly sentinelOf?: { readonly server: RedisServer; readonly name: string };
}

export interface ClientInfo {
  readonly id: string;
  readonly name: string;
  readonly addr: string;
  readonly cmd: string;
}

/** A free TCP port on 127.0.0.1 (another process could take it before we bind: start() retries). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true or the deadline passes (then throws with `what`). */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 15_000, everyMs = 25): Promise<void> {
  const end = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class RedisServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  private paused = false;
  private inspectorClient: Redis | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a server on a free port and waits until it answers PING (and, as a replica, is in sync). */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    let lastError: unknown;
    const attempts = options.port === undefined ? 5 : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const server = new RedisServer(options.port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'jussi-redis-')), options);
      try {
        await server.launch();
        return server;
      } catch (err) {
        lastError = err;
        await server.stop();
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  readonly host = HOST;

  get url(): string {
    const auth = this.options.password !== undefined ? `:${encodeURIComponent(this.options.password)}@` : '';
    return `redis://${auth}${HOST}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** What the server printed (for assertion messages). */
  get log(): string {
    return this.output;
  }

  private args(): string[] {
    const o = this.options;
    if (o.sentinelOf !== undefined) {
      // Sentinel rewrites its config file, so it gets one of its own in its directory.
      const conf = join(this.dir, 'sentinel.conf');
      const master = o.sentinelOf.server;
      const lines = [`sentinel monitor ${o.sentinelOf.name} ${HOST} ${master.port} 1`, `sentinel down-after-milliseconds ${o.sentinelOf.name} 2000`];
      if (master.options.password !== undefined) lines.push(`sentinel auth-pass ${o.sentinelOf.name} ${master.options.password}`);
      writeFileSync(conf, `${lines.join('\n')}\n`);
      return [conf, '--sentinel', '--port', String(this.port), '--bind', HOST, '--dir', this.dir, '--protected-mode', 'no'];
    }
    const args = ['--port', String(this.port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', this.dir, '--protected-mode', 'no'];
    if (o.password !== undefined) args.push('--requirepass', o.password);
    if (o.replicaOf !== undefined) {
      args.push('--replicaof', HOST, String(o.replicaOf.port));
      if (o.replicaOf.options.password !== undefined) args.push('--masterauth', o.replicaOf.options.password);
    }
    args.push(...(o.args ?? []));
    return args;
  }

  private async launch(): Promise<void> {
    const child = spawn('redis-server', this.args(), { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
    this.child = child;
    this.paused = false;
    live.add(child);
    const append = (b: Buffer): void => {
      this.output = (this.output + b.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let gone = false;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        gone = true;
        live.delete(child);
        if (this.child === child) this.child = null;
        resolve();
      });
      child.once('error', (err) => {
        this.output += `\nspawn error: ${err.message}`;
        gone = true;
        live.delete(child);
        if (this.child === child) this.child = null;
        resolve();
      });
    });
    await waitUntil(
      `redis-server on port ${this.port} to answer`,
      async () => {
        if (gone) throw new Error(`redis-server exited:\n${this.output}`);
        return (await this.command('PING')) === 'PONG';
      },
      START_DEADLINE_MS,
    );
    if (this.options.replicaOf !== undefined && this.options.noWaitForSync !== true) {
      await waitUntil(`replica on port ${this.port} to sync`, async () => (await this.info('replication'))['master_link_status'] === 'up', START_DEADLINE_MS);
    }
  }

  /** A connection of the test's own (named, so `clients()` can leave it out). */
  private inspector(): Redis {
    if (this.inspectorClient === null) {
      this.inspectorClient = new Redis({
        host: HOST,
        port: this.port,
        ...(this.options.password !== undefined ? { password: this.options.password } : {}),
        connectionName: INSPECTOR_NAME,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        commandTimeout: 5000,
        connectTimeout: 2000,
        retryStrategy: () => 100,
      });
      this.inspectorClient.on('error', () => undefined);
    }
    return this.inspectorClient;
  }

  /** Runs one command on the test's own connection. */
  async command(name: string, ...args: (string | number | Buffer)[]): Promise<unknown> {
    return this.inspector().call(name, ...args);
  }

  /** Like `command`, with bulk replies as Buffers (for binary values). */
  async commandBuffer(name: string, ...args: (string | number | Buffer)[]): Promise<unknown> {
    return this.inspector().callBuffer(name, ...args);
  }

  async info(section: string): Promise<Record<string, string>> {
    const text = String(await this.command('INFO', section));
    const out: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith('#')) out[line.slice(0, colon)] = line.slice(colon + 1);
    }
    return out;
  }

  /** Client connections other than the test's inspector (CLIENT LIST). */
  async clients(): Promise<ClientInfo[]> {
    const text = String(await this.command('CLIENT', 'LIST'));
    return text
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map((line) => {
        const fields = new Map<string, string>();
        for (const part of line.split(' ')) {
          const eq = part.indexOf('=');
          if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
        }
        return { id: fields.get('id') ?? '', name: fields.get('name') ?? '', addr: fields.get('addr') ?? '', cmd: fields.get('cmd') ?? '' };
      })
      .filter((c) => c.name !== INSPECTOR_NAME);
  }

  async clientCount(): Promise<number> {
    return (await this.clients()).length;
  }

  /** Calls of one command since start (INFO commandstats), e.g. `commandCalls('mget')`. */
  async commandCalls(command: string): Promise<number> {
    const stats = await this.info('commandstats');
    const line = stats[`cmdstat_${command.toLowerCase()}`];
    const m = line === undefined ? null : /calls=(\d+)/.exec(line);
    return m === null ? 0 : Number(m[1]);
  }

  /** SIGSTOP: the server keeps its connections open but answers nothing. */
  pause(): void {
    if (this.child === null) throw new Error('redis-server is not running');
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.child === null) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** kill -9 and wait for the process to be gone (the port and directory are kept for restart). */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill('SIGKILL');
    await this.exited;
    this.paused = false;
  }

  /** Starts the server again on the same port (after kill or stop). */
  async restart(): Promise<void> {
    if (this.child !== null) throw new Error('redis-server is still running');
    await this.launch();
  }

  /** Stops the server (resuming it first if paused), closes the test connection, removes the directory. */
  async stop(): Promise<void> {
    const inspector = this.inspectorClient;
    this.inspectorClient = null;
    inspector?.disconnect();
    const child = this.child;
    if (child !== null) {
      if (this.paused) child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Stops every server given, ignoring the ones that failed to start. */
export async function stopAll(...servers: (RedisServer | undefined)[]): Promise<void> {
  await Promise.all(servers.map((s) => (s === undefined ? Promise.resolve() : s.stop())));
}
