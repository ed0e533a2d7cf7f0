// Loads a config document text: JSON parse, schema validation (shapes, types, jussi's namespace
// name rules, URL schemes), then what the schema cannot express (URL hosts, pool bounds, later
// entries winning across blocks as in jussi's tries, limit defaults) and warnings for entries
// that can never take effect. Never throws: an invalid document is a value listing every
// problem, each naming its JSON path.

import { createHash } from 'node:crypto';
import type {
  ConfigProblem,
  ConfigResult,
  ConfigWarning,
  Limits,
  NormalisedConfig,
  NormalisedUpstream,
  PrefixEntry,
  RawConfigDocument,
  RawLimits,
  RawUpstreamBlock,
} from './document.js';
import { normaliseEdge } from './edge-config.js';
import { readEntry } from './entries.js';
import { deadPrefixReason } from './prefix-check.js';
import { describeValue, pointer } from './problems.js';
import { validateConfigSchema } from './schema.js';

/** jussi's defaults (reference §8). */
export const DEFAULT_ACCOUNT_HISTORY_LIMIT = 100;
export const DEFAULT_CUSTOM_JSON_OP_LENGTH = 8192;

const KNOWN_TOP = new Set(['limits', 'upstreams', 'edge']);
const KNOWN_BLOCK = new Set(['name', 'translate_to_appbase', 'urls', 'ttls', 'timeouts', 'retries', 'pool']);
const KNOWN_LIMITS = new Set([
  'accounts_blacklist',
  'account_history_limit',
  'custom_json_op_length',
  'jsonrpc_batch_size_limit',
  'blacklist_accounts',
]);

/** sha256 (hex) of a document text, as reported in /state and compared by the operator. */
export function configHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function loadConfigDocument(text: string): ConfigResult {
  let parsed: unknown;
  try {
    // A leading byte-order mark is an editor artefact, not content.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, problems: [{ path: '', message: `not valid JSON: ${detail}` }] };
  }
  const checked = validateConfigSchema(parsed);
  if (!checked.ok) return { ok: false, problems: checked.problems };
  return normalise(checked.document, configHash(text));
}

interface Collector {
  readonly problems: ConfigProblem[];
  readonly warnings: ConfigWarning[];
}

function normalise(doc: RawConfigDocument, hash: string): ConfigResult {
  const c: Collector = { problems: [], warnings: [] };
  warnUnknown(doc, '', KNOWN_TOP, 'the document', c);

  const upstreams: NormalisedUpstream[] = [];
  const urls = new PrefixTable<readonly string[]>('url', c);
  const ttls = new PrefixTable<number>('ttl', c);
  const timeouts = new PrefixTable<number>('timeout', c);
  const firstBlockByName = new Map<string, number>();

  doc.upstreams.forEach((block, i) => {
    const path = pointer('/upstreams', i);
    const earlier = firstBlockByName.get(block.name);
    if (earlier === undefined) firstBlockByName.set(block.name, i);
    else c.warnings.push({ path: pointer(path, 'name'), message: `upstream "${block.name}" is also defined at /upstreams/${earlier}; both blocks' entries apply` });
    warnUnknown(block, path, KNOWN_BLOCK, `upstream block "${block.name}"`, c);
    checkPool(block, path, c);
    upstreams.push({
      name: block.name,
      translateToAppbase: block.translate_to_appbase === true,
      pool: {
        httpConnections: block.pool?.http_connections ?? null,
        websocketMin: block.pool?.websocket_min ?? null,
        websocketMax: block.pool?.websocket_max ?? null,
      },
    });

    block.urls.forEach((entry, j) => {
      const parts = readEntry(entry, pointer(path, 'urls', j));
      const list = typeof parts.value === 'string' ? [parts.value] : (parts.value as readonly string[]);
      list.forEach((url, k) => checkUrl(url, typeof parts.value === 'string' ? parts.valuePath : pointer(parts.valuePath, k), c));
      urls.add(parts.prefix, list, block.name, parts.prefixPath);
    });
    block.ttls.forEach((entry, j) => {
      const parts = readEntry(entry, pointer(path, 'ttls', j));
      ttls.add(parts.prefix, parts.value as number, block.name, parts.prefixPath);
    });
    block.timeouts.forEach((entry, j) => {
      const parts = readEntry(entry, pointer(path, 'timeouts', j));
      timeouts.add(parts.prefix, parts.value as number, block.name, parts.prefixPath);
    });
  });

  const limits = normaliseLimits(doc.limits, c);
  const edge = doc.edge === undefined ? null : normaliseEdge(doc.edge, c);
  warnUnroutableTranslation(upstreams, urls.entries(), c);

  if (c.problems.length > 0) return { ok: false, problems: c.problems };
  const config: NormalisedConfig = {
    upstreams,
    urls: urls.entries(),
    ttls: ttls.entries(),
    timeouts: timeouts.entries(),
    limits,
    warnings: c.warnings,
    edge,
    hash,
  };
  return { ok: true, config };
}

/** One kind of prefix entries: later entries win (also across blocks), as in jussi's tries. */
class PrefixTable<V> {
  private readonly byPrefix = new Map<string, { entry: PrefixEntry<V>; path: string }>();
  constructor(
    private readonly kind: string,
    private readonly c: Collector,
  ) {}

  add(prefix: string, value: V, upstream: string, path: string): void {
    const dead = deadPrefixReason(prefix);
    if (dead !== null) this.c.warnings.push({ path, message: `${this.kind} prefix ${JSON.stringify(prefix)} ${dead}` });
    const previous = this.byPrefix.get(prefix);
    if (previous !== undefined) {
      this.c.warnings.push({
        path: previous.path,
        message: `${this.kind} prefix ${JSON.stringify(prefix)} is defined again at ${path}; the later entry wins`,
      });
      // Keep the winner where it was written, so document order stays meaningful.
      this.byPrefix.delete(prefix);
    }
    this.byPrefix.set(prefix, { entry: { prefix, value, upstream }, path });
  }

  entries(): PrefixEntry<V>[] {
    return [...this.byPrefix.values()].map((e) => e.entry);
  }
}

/** The schema checked the scheme; this catches what only a URL parser sees (e.g. `http://:80`). */
function checkUrl(url: string, path: string, c: Collector): void {
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    c.problems.push({ path, message: `expected a valid URL, got ${describeValue(url)}` });
    return;
  }
  if (host === '') c.problems.push({ path, message: `expected a URL with a host name, got ${describeValue(url)}` });
}

function checkPool(block: RawUpstreamBlock, path: string, c: Collector): void {
  const min = block.pool?.websocket_min;
  const max = block.pool?.websocket_max;
  if (min !== undefined && max !== undefined && min > max) {
    c.problems.push({ path: pointer(path, 'pool', 'websocket_min'), message: `websocket_min (${min}) must not exceed websocket_max (${max})` });
  }
}

function normaliseLimits(raw: RawLimits | undefined, c: Collector): Limits {
  if (raw !== undefined) {
    warnUnknown(raw, '/limits', KNOWN_LIMITS, 'limits', c);
    if (raw.blacklist_accounts !== undefined) {
      c.warnings.push({
        path: '/limits/blacklist_accounts',
        message: 'jussi never reads "blacklist_accounts", so it is ignored; use "accounts_blacklist" to block posting accounts',
      });
    }
  }
  return {
    accountsBlacklist: new Set(raw?.accounts_blacklist ?? []),
    accountHistoryLimit: raw?.account_history_limit ?? DEFAULT_ACCOUNT_HISTORY_LIMIT,
    customJsonOpLength: raw?.custom_json_op_length ?? DEFAULT_CUSTOM_JSON_OP_LENGTH,
    batchSizeLimit: raw?.jsonrpc_batch_size_limit ?? null,
  };
}

function warnUnknown(obj: object, path: string, known: ReadonlySet<string>, where: string, c: Collector): void {
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) {
      c.warnings.push({ path: pointer(path, key), message: `unknown member "${key}" in ${where} is ignored (known: ${[...known].join(', ')})` });
    }
  }
}

/** Translated requests are routed as `appbase.condenser_api.*`: say so when nothing routes them. */
function warnUnroutableTranslation(upstreams: readonly NormalisedUpstream[], urls: readonly PrefixEntry<unknown>[], c: Collector): void {
  const translating = upstreams.findIndex((u) => u.translateToAppbase);
  if (translating < 0) return;
  const routed = urls.some(
    (e) => e.prefix === 'appbase' || e.prefix === 'appbase.condenser_api' || e.prefix.startsWith('appbase.condenser_api.'),
  );
  if (!routed) {
    c.warnings.push({
      path: pointer('/upstreams', translating, 'translate_to_appbase'),
      message: 'requests of this namespace are translated to "appbase.condenser_api.*", but no url prefix routes "appbase" or "appbase.condenser_api"; they will be rejected',
    });
  }
}
