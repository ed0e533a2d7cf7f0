// Helpers shared by the end-to-end acceptance tests: the real proxy (in this process, through
// test/support/proxy.ts) in front of real fake upstreams and a real redis-server, observed only
// from the outside: its sockets, its admin port, its log lines, and Redis itself.

import { spawnSync } from 'node:child_process';
import { deflateSync, inflateSync } from 'node:zlib';
import { parseExposition, type Exposition, type Sample } from '../../unit/observability/prom-text.js';
import type { RedisServer } from '../../support/redis/redis-server.js';
import { rpc, type TestProxy } from '../../support/proxy.js';
import { waitFor } from '../../support/fake-upstream/index.js';

export { rpc, waitFor };

/** Generous deadline for anything that waits on the proxy, Redis or the exporter (2 shared cores). */
export const DEADLINE_MS = 20_000;

// ------------------------------------------------------------------------------------------
// Tear-down that runs even when a test fails half-way.

export class Teardown {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];

  /** Registers `stop` to run at `run()` (last registered runs first); returns `value`. */
  add<T>(value: T, stop: (value: T) => Promise<unknown> | unknown): T {
    this.steps.push(() => stop(value));
    return value;
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      try {
        await step?.();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'tear-down failed');
  }
}

// ------------------------------------------------------------------------------------------
// JSON-RPC answers.

export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: { readonly error_id?: string; readonly jussi_request_id?: string; readonly reason?: string };
}

export interface RpcAnswer {
  readonly id: unknown;
  readonly jsonrpc?: string;
  readonly result?: unknown;
  readonly error?: RpcErrorObject;
}

export function asAnswer(json: unknown): RpcAnswer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`not a JSON-RPC answer object: ${JSON.stringify(json)}`);
  return json as RpcAnswer;
}

export function asBatch(json: unknown): RpcAnswer[] {
  if (!Array.isArray(json)) throw new Error(`not a batch answer: ${JSON.stringify(json)}`);
  return json.map(asAnswer);
}

/** A JSON-RPC 2.0 request object. */
export function call(method: string, params?: unknown, id: unknown = 1): Record<string, unknown> {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

// ------------------------------------------------------------------------------------------
// The admin port.

export async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, text };
}

export async function scrape(proxy: TestProxy): Promise<Exposition> {
  const res = await fetch(`${proxy.adminUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** Sum of every sample of `name` whose labels include `labels` (0 when none). */
export function total(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  return samples(exposition, name, labels).reduce((sum, s) => sum + s.value, 0);
}

export function samples(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

export interface HealthBody {
  readonly status: string;
  readonly jussi_num: number | null;
  readonly ready: boolean;
  readonly degraded: boolean;
  readonly redis: { readonly status: string };
}

export async function health(baseUrl: string): Promise<HealthBody> {
  return (await getJson(`${baseUrl}/health`)).json as unknown as HealthBody;
}

export interface StateBody {
  readonly configHash: string | null;
  readonly ready: boolean;
  readonly redis: string;
  readonly degraded: boolean;
  readonly lastIrreversibleBlockNum: number | null;
}

export async function state(proxy: TestProxy): Promise<StateBody> {
  return (await getJson(`${proxy.adminUrl}/state`)).json as unknown as StateBody;
}

/** Waits until the proxy's /health reports `jussi_num === n` (traffic port). */
export async function waitForJussiNum(proxy: TestProxy, n: number, timeoutMs = DEADLINE_MS): Promise<void> {
  let last: number | null | undefined;
  try {
    await waitFor(
      async () => {
        last = (await health(proxy.url)).jussi_num;
        return last === n;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } catch {
    throw new Error(`jussi_num did not become ${n} within ${timeoutMs} ms (last: ${String(last)})`);
  }
}

// ------------------------------------------------------------------------------------------
// jussi's Redis value format, written and read the way jussi (Python) does, independently of the
// proxy's own code: zlib.compress(ujson.dumps(value, ensure_ascii=False).encode()).

/** ujson.dumps with its defaults: compact, raw non-ASCII, `/` escaped as `\/`. */
export function ujsonText(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

/** What jussi stores for a value: a zlib stream at Python's default level (6). */
export function jussiValue(value: unknown): Buffer {
  return deflateSync(Buffer.from(ujsonText(value), 'utf8'), { level: 6 });
}

export function readJussiValue(value: Buffer): unknown {
  return JSON.parse(inflateSync(value).toString('utf8')) as unknown;
}

/**
 * The value as Python reads it (`json.loads(zlib.decompress(v))`), printed back as JSON; null
 * when no python3 is installed (the Node reading above is then the only check).
 */
export function readWithPython(value: Buffer): unknown {
  const run = spawnSync('python3', ['-c', 'import sys, zlib, json; sys.stdout.write(json.dumps(json.loads(zlib.decompress(sys.stdin.buffer.read()))))'], {
    input: value,
    timeout: 30_000,
  });
  if (run.error !== undefined && (run.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  if (run.status !== 0) throw new Error(`python3 could not read the value: ${run.stderr.toString('utf8')}`);
  return JSON.parse(run.stdout.toString('utf8')) as unknown;
}

export async function redisGet(redis: RedisServer, key: string): Promise<Buffer | null> {
  const v = await redis.commandBuffer('GET', key);
  return Buffer.isBuffer(v) ? v : null;
}

export async function redisPttl(redis: RedisServer, key: string): Promise<number> {
  return Number(await redis.command('PTTL', key));
}

export async function redisExists(redis: RedisServer, key: string): Promise<boolean> {
  return Number(await redis.command('EXISTS', key)) === 1;
}

export async function waitForKey(redis: RedisServer, key: string, timeoutMs = DEADLINE_MS): Promise<void> {
  await waitFor(() => redisExists(redis, key), { timeoutMs, intervalMs: 20, message: `Redis key ${key}` });
}

// ------------------------------------------------------------------------------------------
// Steem data.

/** A 40-hex-digit block id whose first 8 digits are the block number (as steemd makes them). */
export function blockId(n: number): string {
  return `${n.toString(16).padStart(8, '0')}${'ab'.repeat(16)}`;
}

/** A condenser_api.get_block result for block `n`. */
export function blockResult(n: number): Record<string, unknown> {
  return { previous: blockId(n - 1), block_id: blockId(n), timestamp: '2024-01-01T00:00:00', transactions: [] };
}

export function dgpResult(lirb: number): Record<string, unknown> {
  return { head_block_number: lirb + 20, last_irreversible_block_num: lirb, time: '2024-01-01T00:00:00' };
}

// ------------------------------------------------------------------------------------------
// Log lines.

export function accessLines(proxy: TestProxy): Record<string, unknown>[] {
  return proxy.logs.records().filter((r) => r['message'] === 'request');
}

export async function waitForAccessLine(proxy: TestProxy, requestId: string, timeoutMs = DEADLINE_MS): Promise<Record<string, unknown>> {
  return waitFor(() => accessLines(proxy).find((r) => r['request_id'] === requestId), { timeoutMs, message: `access line of ${requestId}` });
}
