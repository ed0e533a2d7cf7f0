// Closed-loop load with wrk: one thread (the machine has two cores, the system under test needs
// the other), N connections, a Lua script that sets the request and, in `done`, prints the
// summary and latency percentiles as one JSON line the harness reads back.

import { readFileSync, writeFileSync } from 'node:fs';
import type { ChildRegistry } from './children.js';

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Latency percentiles and mean, milliseconds. */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly bytes: number;
  readonly errors: { readonly connect: number; readonly read: number; readonly write: number; readonly status: number; readonly timeout: number };
}

const MARK = 'BENCH_RESULT ';

/** Appended to every script: wrk calls `done` once with the totals. */
export const DONE_LUA = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.3f,"max":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.mean, latency.max))
end
`;

function luaLongString(text: string): string {
  let level = 0;
  while (text.includes(`]${'='.repeat(level)}]`)) level += 1;
  const eq = '='.repeat(level);
  return `[${eq}[${text}]${eq}]`;
}

/** The same POST body on every request. */
export function fixedBodyLua(body: string): string {
  return `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = ${luaLongString(body)}
`;
}

export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (line === undefined) throw new Error(`wrk printed no result line:\n${stdout.slice(-2000)}`);
  const raw = JSON.parse(line.slice(MARK.length)) as Record<string, number>;
  const n = (k: string): number => {
    const v = raw[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`wrk result without ${k}: ${line}`);
    return v;
  };
  const seconds = n('duration_us') / 1e6;
  return {
    requests: n('requests'),
    seconds,
    requestsPerSecond: seconds > 0 ? n('requests') / seconds : 0,
    p50Ms: n('p50') / 1000,
    p90Ms: n('p90') / 1000,
    p99Ms: n('p99') / 1000,
    p999Ms: n('p999') / 1000,
    meanMs: n('mean') / 1000,
    maxMs: n('max') / 1000,
    bytes: n('bytes'),
    errors: { connect: n('connect'), read: n('read'), write: n('write'), status: n('status'), timeout: n('timeout') },
  };
}

export interface WrkRun {
  readonly wrk: string;
  readonly url: string;
  /** The request part of the script (DONE_LUA is appended). */
  readonly script: string;
  /** Where the script and wrk's output are written (`<base>.lua`, `<base>.out`). */
  readonly filesBase: string;
  readonly connections: number;
  readonly seconds: number;
  readonly threads?: number;
}

export async function runWrk(children: ChildRegistry, run: WrkRun): Promise<WrkResult> {
  const scriptPath = `${run.filesBase}.lua`;
  const outPath = `${run.filesBase}.out`;
  writeFileSync(scriptPath, `${run.script}\n${DONE_LUA}`);
  writeFileSync(outPath, '');
  const args = ['-t', String(run.threads ?? 1), '-c', String(run.connections), '-d', `${run.seconds}s`, '--timeout', '10s', '-s', scriptPath, run.url];
  const child = children.spawn({ name: 'wrk', command: run.wrk, args, logFile: outPath });
  // wrk stops itself after `seconds`; the guard only ends a hung wrk.
  const guard = setTimeout(() => void child.stop(1000), (run.seconds + 60) * 1000);
  const code = await child.exited;
  clearTimeout(guard);
  await child.stop();
  const output = readFileSync(outPath, 'utf8');
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${output.trim().slice(-2000)}`);
  return parseWrkOutput(output);
}
