// Starting the real proxy for tests: in this process (fast, direct access to its parts) or as a
// child process running the built CLI (signals, the cluster, exit codes). Both listen on port 0
// on 127.0.0.1, take a config document (object or text) written to a temp file, and collect
// log lines.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSettings } from '@jussi/proxy/config/env';
import { startSingle, type RunningSingle } from '@jussi/proxy/process/single';
import { repoRoot } from './repo.js';
import { waitFor } from './fake-upstream/index.js';

export interface ProxyEnv {
  readonly [name: string]: string | undefined;
}

const QUIET: ProxyEnv = {
  JUSSI_SERVER_HOST: '127.0.0.1',
  JUSSI_ADMIN_HOST: '127.0.0.1',
  JUSSI_SERVER_PORT: '0',
  JUSSI_ADMIN_PORT: '0',
  JUSSI_SERVER_WORKERS: '1',
  JUSSI_TEST_UPSTREAM_URLS: 'false',
  JUSSI_LIRB_POLL_INTERVAL: '0',
  LOG_LEVEL: 'WARN',
};

export interface LogCapture {
  readonly lines: string[];
  /** Parsed JSON lines. */
  records(): Record<string, unknown>[];
}

function capture(): LogCapture & { sink: { write(line: string): boolean } } {
  const lines: string[] = [];
  return {
    lines,
    sink: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) if (line.trim() !== '') lines.push(line);
        return true;
      },
    },
    records: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
  };
}

export interface TestProxy {
  readonly url: string;
  readonly adminUrl: string;
  readonly running: RunningSingle;
  readonly configPath: string;
  readonly logs: LogCapture;
  /** Replace the config file's content (the file source picks it up). */
  writeConfig(config: unknown): void;
  stop(): Promise<void>;
}

function configText(config: unknown): string {
  return typeof config === 'string' ? config : `${JSON.stringify(config, null, 2)}\n`;
}

/** The proxy in this process (single-process mode, no signal handlers). */
export async function startTestProxy(config: unknown, env: ProxyEnv = {}): Promise<TestProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'jussi-proxy-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, configText(config));
  const result = readSettings({ ...QUIET, JUSSI_UPSTREAM_CONFIG_FILE: configPath, ...env });
  if (!result.ok) throw new Error(`bad test settings: ${JSON.stringify(result.errors)}`);
  const logs = capture();
  const running = await startSingle(result.settings, { installSignals: false, logger: { stdout: logs.sink, stderr: logs.sink } });
  return {
    url: `http://127.0.0.1:${running.port}`,
    adminUrl: `http://127.0.0.1:${running.admin.port}`,
    running,
    configPath,
    logs,
    writeConfig: (next) => writeFileSync(configPath, configText(next)),
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ChildProxy {
  readonly child: ChildProcess;
  readonly port: number;
  readonly adminPort: number;
  readonly url: string;
  readonly adminUrl: string;
  readonly configPath: string;
  readonly output: string[];
  writeConfig(config: unknown): void;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  stop(): Promise<number | string>;
}

export const CLI_PATH = join(repoRoot, 'proxy', 'dist', 'cli.js');

/**
 * The built CLI as a child process. Ports must be fixed (the CLI prints them, but a cluster
 * needs them known up front), so free ports are picked by the caller or here.
 */
export async function spawnProxy(config: unknown, env: ProxyEnv & { JUSSI_SERVER_PORT: string; JUSSI_ADMIN_PORT: string }): Promise<ChildProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'jussi-cli-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, configText(config));
  const output: string[] = [];
  const child = spawn(process.execPath, [CLI_PATH], {
    env: { ...process.env, ...QUIET, LOG_LEVEL: 'INFO', JUSSI_UPSTREAM_CONFIG_FILE: configPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') output.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = Number(env.JUSSI_SERVER_PORT);
  const adminPort = Number(env.JUSSI_ADMIN_PORT);
  const proxy: ChildProxy = {
    child,
    port,
    adminPort,
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    configPath,
    output,
    writeConfig: (next) => writeFileSync(configPath, configText(next)),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  return proxy;
}

/** Waits until the child answers /health/ready with 200 (or fails if it exits first). */
export async function waitReady(proxy: ChildProxy, timeoutMs = 30_000): Promise<void> {
  let exitedWith: number | string | null = null;
  void proxy.exited.then((c) => (exitedWith = c));
  await waitFor(
    async () => {
      if (exitedWith !== null) throw new Error(`proxy exited with ${exitedWith}:\n${proxy.output.join('\n')}`);
      try {
        const res = await fetch(`${proxy.adminUrl}/health/ready`);
        return res.status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs, message: 'proxy ready' },
  );
}

/** POSTs a JSON-RPC body (object or raw text); returns status, headers and parsed body. */
export async function rpc(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
