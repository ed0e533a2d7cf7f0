// The realistic Steem mix: the table below is the traffic. Each request picks a kind by weight
// and fills the kind's template's placeholders; 5% of requests are batches of 10 such items.
// The same table drives wrk (as Lua, see mixLua) and the answer checks (as TypeScript, see
// sampleMixBodies), so both speak of the same requests.

import { EXAMPLE_CONFIG_DOCUMENT } from '@jussi/proxy/config/example-config';
import type { RawConfigDocument } from '@jussi/proxy/config/document';
import type { ChainClock } from './steem-chain.js';

export interface MixKind {
  readonly name: string;
  /** Share of single requests, percent. */
  readonly weight: number;
  /** JSON-RPC request text; `{id}`, `{old}`, `{near}`, `{account}`, `{post}` are filled per request. */
  readonly template: string;
}

const rq = (method: string, params: string): string => `{"jsonrpc":"2.0","id":{id},"method":"${method}","params":${params}}`;

export const MIX_KINDS: readonly MixKind[] = [
  { name: 'get_block (old)', weight: 25, template: rq('condenser_api.get_block', '[{old}]') },
  { name: 'get_block (head)', weight: 10, template: rq('condenser_api.get_block', '[{near}]') },
  { name: 'block_api.get_block (old)', weight: 5, template: rq('block_api.get_block', '{"block_num":{old}}') },
  { name: 'get_block_header (old)', weight: 3, template: rq('condenser_api.get_block_header', '[{old}]') },
  { name: 'get_ops_in_block (old)', weight: 2, template: rq('condenser_api.get_ops_in_block', '[{old},false]') },
  { name: 'get_dynamic_global_properties', weight: 10, template: rq('condenser_api.get_dynamic_global_properties', '[]') },
  { name: 'database_api.get_dynamic_global_properties', weight: 3, template: rq('database_api.get_dynamic_global_properties', '{}') },
  { name: 'get_dynamic_global_properties (steemd)', weight: 2, template: '{"jsonrpc":"2.0","id":{id},"method":"get_dynamic_global_properties"}' },
  { name: 'get_accounts', weight: 15, template: rq('condenser_api.get_accounts', '[["{account}"]]') },
  { name: 'get_content', weight: 10, template: rq('condenser_api.get_content', '[{post}]') },
  { name: 'get_active_votes', weight: 5, template: rq('condenser_api.get_active_votes', '[{post}]') },
  { name: 'get_follow_count', weight: 5, template: rq('condenser_api.get_follow_count', '["{account}"]') },
  { name: 'get_ticker', weight: 5, template: rq('condenser_api.get_ticker', '[]') },
];

/** Share of requests that are batches, and their size. */
export const BATCH_SHARE = 0.05;
export const MIX_BATCH_SIZE = 10;

/** Old blocks: half from a hot range of 1,000 blocks, half from the first two million. */
export const HOT_BLOCKS = 1_000;
export const TAIL_BLOCKS = 2_000_000;
export const ACCOUNTS = 5_000;
export const POSTS = 10_000;
/** Blocks near the head: 1 to 40 behind it (about half still reversible). */
export const NEAR_HEAD_MAX = 40;

export interface MixParams {
  readonly clock: ChainClock;
  /** First block of the hot range (well below the head). */
  readonly hotStart: number;
}

export function mixParams(clock: ChainClock): MixParams {
  return { clock, hotStart: clock.headAtStart - 200_000 };
}

function prefixOf(entry: RawConfigDocument['upstreams'][number]['urls'][number]): string {
  const prefix = Array.isArray(entry) ? (entry as readonly unknown[])[0] : (entry as Readonly<Record<string, unknown>>)['prefix'];
  if (typeof prefix !== 'string') throw new Error('the example config has a URL entry without a prefix');
  return prefix;
}

/** The example config (the README's quickstart config) with every upstream pointed at `url`. */
export function mixConfig(url: string): RawConfigDocument {
  return {
    ...EXAMPLE_CONFIG_DOCUMENT,
    upstreams: EXAMPLE_CONFIG_DOCUMENT.upstreams.map((u) => ({ ...u, urls: u.urls.map((entry) => [prefixOf(entry), url] as const) })),
  };
}

// --------------------------------------------------------------------------------------------
// TypeScript side: sample bodies for the answer checks.

export type Random = () => number;

/** A small deterministic generator (mulberry32), so checks are repeatable. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

function fill(kind: MixKind, id: number, params: MixParams, random: Random, nowMs: number): string {
  const head = params.clock.headAtStart + Math.floor((Math.floor(nowMs / 1000) - params.clock.startSeconds) / 3);
  return kind.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    switch (name) {
      case 'id':
        return String(id);
      case 'old':
        return String(random() < 0.5 ? params.hotStart + int(random, 0, HOT_BLOCKS - 1) : int(random, 1, TAIL_BLOCKS));
      case 'near':
        return String(head - int(random, 1, NEAR_HEAD_MAX));
      case 'account':
        return `bench-user-${int(random, 1, ACCOUNTS)}`;
      case 'post': {
        const k = int(random, 1, POSTS);
        return `"author-${k % 1000}","post-${k}"`;
      }
      default:
        throw new Error(`unknown mix placeholder {${name}}`);
    }
  });
}

/** One request of every kind, then `extra` random requests and two batches. */
export function sampleMixBodies(params: MixParams, extra: number, seed = 1, nowMs = Date.now()): string[] {
  const random = seededRandom(seed);
  const out = MIX_KINDS.map((k) => fill(k, 1, params, random, nowMs));
  const pick = (): MixKind => {
    let r = random() * 100;
    for (const k of MIX_KINDS) {
      if (r < k.weight) return k;
      r -= k.weight;
    }
    return MIX_KINDS[MIX_KINDS.length - 1] as MixKind;
  };
  for (let i = 0; i < extra; i++) out.push(fill(pick(), 1, params, random, nowMs));
  for (let b = 0; b < 2; b++) out.push(`[${Array.from({ length: MIX_BATCH_SIZE }, (_, i) => fill(pick(), i + 1, params, random, nowMs)).join(',')}]`);
  return out;
}

// --------------------------------------------------------------------------------------------
// Lua side: wrk's request() for the same table.

function luaString(text: string): string {
  let level = 0;
  while (text.includes(`]${'='.repeat(level)}]`)) level += 1;
  const eq = '='.repeat(level);
  return `[${eq}[${text}]${eq}]`;
}

export function mixLua(params: MixParams): string {
  const total = MIX_KINDS.reduce((s, k) => s + k.weight, 0);
  let cumulative = 0;
  const kinds = MIX_KINDS.map((k) => {
    cumulative += k.weight;
    return `  { c = ${cumulative / total}, t = ${luaString(k.template)} },`;
  }).join('\n');
  return `-- The realistic Steem mix (generated from test/bench/steem-mix.ts).
local kinds = {
${kinds}
}
local T0, H0, HOT = ${params.clock.startSeconds}, ${params.clock.headAtStart}, ${params.hotStart}
local current_id = 1
local gens = {
  id = function() return tostring(current_id) end,
  old = function()
    if math.random() < 0.5 then return tostring(HOT + math.random(0, ${HOT_BLOCKS - 1})) end
    return tostring(math.random(1, ${TAIL_BLOCKS}))
  end,
  near = function() return tostring(H0 + math.floor((os.time() - T0) / 3) - math.random(1, ${NEAR_HEAD_MAX})) end,
  account = function() return "bench-user-" .. math.random(1, ${ACCOUNTS}) end,
  post = function()
    local k = math.random(1, ${POSTS})
    return '"author-' .. (k % 1000) .. '","post-' .. k .. '"'
  end,
}
local function item(id)
  current_id = id
  local r = math.random()
  for i = 1, #kinds do
    if r < kinds[i].c or i == #kinds then
      return (string.gsub(kinds[i].t, "{(%w+)}", function(name) return gens[name]() end))
    end
  end
end
function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  local body
  if math.random() < ${BATCH_SHARE} then
    local items = {}
    for i = 1, ${MIX_BATCH_SIZE} do items[i] = item(i) end
    body = "[" .. table.concat(items, ",") .. "]"
  else
    body = item(1)
  end
  return wrk.format(nil, "/", nil, body)
end
`;
}
