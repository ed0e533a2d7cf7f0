// The systems a scenario compares, and how each is started: our proxy (the built CLI, 1 or N
// workers), the Node floors and upstreams (test/bench/servers), nginx instances, and the shared
// upstream measured directly. Every system runs as its own process group on 127.0.0.1, with its
// own directory for config and logs under the run's temp dir.

import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Child, ChildRegistry } from './children.js';
import { freePort } from '../support/fake-upstream/index.js';
import { type NginxBase } from './nginx-conf.js';
import { PROXY_CLI, serverCommand, type ServerScript } from './scripts.js';
import type { Tools } from './tools.js';

export type SystemRole = 'ours' | 'floor' | 'nginx' | 'upstream';

export interface StartContext {
  readonly children: ChildRegistry;
  readonly tools: Tools;
  /** A fresh directory for this system's files. */
  readonly dir: string;
  /** When set, our proxy runs with `--cpu-prof` writing here. */
  readonly profileDir: string | null;
}

export interface RunningSystem {
  readonly url: string;
  /** Root of the process tree whose CPU and memory are reported. */
  readonly rootPid: number;
  /** Our proxy's admin port (metrics), when the system has one. */
  readonly adminUrl?: string;
  logTail(): string;
  stop(): Promise<void>;
}

export interface SystemSpec {
  readonly id: string;
  readonly label: string;
  readonly role: SystemRole;
  readonly workers: number;
  /** How a response says hit or miss, for systems that cache. */
  readonly cacheState?: (headers: Headers) => 'hit' | 'miss';
  start(ctx: StartContext): Promise<RunningSystem>;
}

const HOST = '127.0.0.1';
const START_DEADLINE_MS = 60_000;
const ATTEMPTS = 3;

/** Polls until `probe` resolves true; fails early when the child exits. */
async function waitUp(child: Child, what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  for (;;) {
    if (!child.running()) throw new Error(`${what} exited during start-up:\n${child.logTail()}`);
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${START_DEADLINE_MS / 1000} s:\n${child.logTail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function answers(url: string, init: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return true;
}

/** Free ports can be taken by someone else before we bind: start again with new ones. */
async function withRetries(what: string, attempt: () => Promise<RunningSystem>): Promise<RunningSystem> {
  let last: unknown;
  for (let i = 0; i < ATTEMPTS; i++) {
    try {
      return await attempt();
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`${what} failed to start: ${last instanceof Error ? last.message : String(last)}`);
}

/**
 * The child as a system once it answers HTTP at `base` (any answer: a WebSocket server answers
 * 426 to a plain GET); stopped if it never does.
 */
async function serving(child: Child, label: string, base: string, path = '/'): Promise<RunningSystem> {
  try {
    await waitUp(child, label, () => answers(base, { method: 'GET' }));
  } catch (err) {
    await child.stop();
    throw err;
  }
  return running(child, `${base}${path}`);
}

function running(child: Child, url: string): RunningSystem {
  return { url, rootPid: child.pid, logTail: () => child.logTail(), stop: () => child.stop() };
}

/** The environment of a child, without any JUSSI_/OTEL_/LOG_ setting the harness's shell may carry. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(JUSSI_|OTEL_|LOG_|PROMETHEUS_|NODE_OPTIONS$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface OursOptions {
  readonly id: string;
  readonly label: string;
  readonly workers: number;
  readonly config: unknown;
  /** Settings beyond the harness's defaults (loopback, no DNS check, access log off). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Our proxy, exactly as shipped: `node proxy/dist/cli.js` configured by env vars. */
export function ours(o: OursOptions): SystemSpec {
  return {
    id: o.id,
    label: o.label,
    role: 'ours',
    workers: o.workers,
    cacheState: (h) => (h.get('x-jussi-cache-hit') === null ? 'miss' : 'hit'),
    start: (ctx) =>
      withRetries(o.label, async () => {
        const configFile = join(ctx.dir, 'config.json');
        writeFileSync(configFile, `${JSON.stringify(o.config, null, 2)}\n`);
        const port = await freePort();
        const adminPort = await freePort();
        const env = cleanEnv({
          JUSSI_SERVER_HOST: HOST,
          JUSSI_ADMIN_HOST: HOST,
          JUSSI_SERVER_PORT: String(port),
          JUSSI_ADMIN_PORT: String(adminPort),
          JUSSI_SERVER_WORKERS: String(o.workers),
          JUSSI_UPSTREAM_CONFIG_FILE: configFile,
          JUSSI_TEST_UPSTREAM_URLS: 'false',
          JUSSI_SHUTDOWN_GRACE: '2',
          LOG_LEVEL: 'INFO',
          LOG_ACCESS_SAMPLE_RATE: '0',
          ...o.env,
        });
        const profile = ctx.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`];
        const child = ctx.children.spawn({ name: o.id, command: process.execPath, args: [...profile, PROXY_CLI], env, logFile: join(ctx.dir, 'proxy.log') });
        try {
          await waitUp(child, o.label, async () => {
            const res = await fetch(`http://${HOST}:${adminPort}/health/ready`, { signal: AbortSignal.timeout(2000) });
            await res.arrayBuffer();
            return res.status === 200;
          });
        } catch (err) {
          await child.stop();
          throw err;
        }
        return { ...running(child, `http://${HOST}:${port}/`), adminUrl: `http://${HOST}:${adminPort}` };
      }),
  };
}

export interface NodeServerOptions {
  readonly id: string;
  readonly label: string;
  readonly role: SystemRole;
  readonly script: ServerScript;
  readonly workers: number;
  /** The server's settings; `port` and `workers` are added. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Path the benchmark posts to. */
  readonly path?: string;
}

/** One of test/bench/servers/ as a system (a floor) or as a shared upstream. */
export function nodeServer(o: NodeServerOptions): SystemSpec {
  return {
    id: o.id,
    label: o.label,
    role: o.role,
    workers: o.workers,
    start: (ctx) =>
      withRetries(o.label, async () => {
        const port = await freePort();
        const configFile = join(ctx.dir, 'server.json');
        writeFileSync(configFile, JSON.stringify({ ...o.config, port, workers: o.workers }));
        const { command, args } = serverCommand(o.script);
        const child = ctx.children.spawn({ name: o.id, command, args: [...args, configFile], env: cleanEnv(), logFile: join(ctx.dir, 'server.log') });
        return serving(child, o.label, `http://${HOST}:${port}`, o.path);
      }),
  };
}

export interface NginxOptions {
  readonly id: string;
  readonly label: string;
  readonly role: SystemRole;
  readonly workers: number;
  readonly conf: (base: NginxBase) => string;
  readonly path?: string;
  readonly caches?: boolean;
}

/** An nginx instance in the foreground (`daemon off`), everything under its own directory. */
export function nginx(o: NginxOptions): SystemSpec {
  return {
    id: o.id,
    label: o.label,
    role: o.role,
    workers: o.workers,
    ...(o.caches === true ? { cacheState: (h: Headers) => (h.get('x-cache-status') === 'HIT' ? ('hit' as const) : ('miss' as const)) } : {}),
    start: (ctx) =>
      withRetries(o.label, async () => {
        const port = await freePort();
        const conf = join(ctx.dir, 'nginx.conf');
        for (const sub of ['client_body', 'proxy_temp', 'fastcgi_temp', 'uwsgi_temp', 'scgi_temp', 'cache']) mkdirSync(join(ctx.dir, sub), { recursive: true });
        writeFileSync(conf, o.conf({ dir: ctx.dir, workers: o.workers, port }));
        const child = ctx.children.spawn({
          name: o.id,
          command: ctx.tools.nginx,
          args: ['-p', ctx.dir, '-e', join(ctx.dir, 'error.log'), '-c', conf, '-g', 'daemon off; master_process on;'],
          env: cleanEnv(),
          logFile: join(ctx.dir, 'error.log'),
        });
        return serving(child, o.label, `http://${HOST}:${port}`, o.path);
      }),
  };
}

/** True when a Redis server on 127.0.0.1:`port` answers PING with PONG. */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let data = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (b: Buffer) => {
      data += b.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

/** A redis-server without persistence (the Redis-only cache scenario's backend); its url is `redis://`. */
export function redisServer(o: { id: string; label: string }): SystemSpec {
  return {
    id: o.id,
    label: o.label,
    role: 'upstream',
    workers: 1,
    start: (ctx) =>
      withRetries(o.label, async () => {
        const port = await freePort();
        const child = ctx.children.spawn({
          name: o.id,
          command: ctx.tools['redis-server'],
          args: ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', ctx.dir, '--protected-mode', 'no'],
          env: cleanEnv(),
          cwd: ctx.dir,
          logFile: join(ctx.dir, 'redis.log'),
        });
        try {
          await waitUp(child, o.label, () => redisAnswers(port));
        } catch (err) {
          await child.stop();
          throw err;
        }
        return running(child, `redis://${HOST}:${port}`);
      }),
  };
}

/** A system already running (the shared upstream, measured directly): not started or stopped here. */
export function existing(o: { id: string; label: string; role: SystemRole; workers: number; url: string; rootPid: number }): SystemSpec {
  return {
    id: o.id,
    label: o.label,
    role: o.role,
    workers: o.workers,
    start: async () => ({ url: o.url, rootPid: o.rootPid, logTail: () => '', stop: async () => {} }),
  };
}
