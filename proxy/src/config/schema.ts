// The one JSON Schema of the proxy config document (jussi's upstream config format plus the
// optional extensions of document.ts), compiled once with ajv. The operator imports this very
// schema and validator, so it never publishes a document the proxy would reject. The schema
// checks shapes, types, upstream names and URL schemes; what JSON Schema cannot say (URL hosts,
// pool minimum <= maximum, later entries winning, dead prefixes) lives in load.ts. Every leaf
// schema has a `description` saying what is expected: problem messages are built from it.

import { Ajv, type ErrorObject } from 'ajv';
import type { ConfigProblem, RawConfigDocument } from './document.js';
import { EDGE_SCHEMA } from './edge-schema.js';
import { describeValue, escapePointer } from './problems.js';

const prefix = { type: 'string', description: 'a prefix string such as "steemd.database_api.get_block"' } as const;

const urlString = {
  type: 'string',
  // jussi dispatches on the literal prefixes "http" and "ws", so schemes are lower case.
  pattern: '^(?:https?|wss?)://\\S+$',
  description: 'an upstream URL starting with http://, https://, ws:// or wss:// and without spaces',
} as const;

const NAME_HINT = 'the name is the JSON-RPC namespace the block serves, e.g. "steemd", "appbase" or "hive"';

const upstreamName = {
  type: 'string',
  description: `a name (${NAME_HINT})`,
  allOf: [
    { minLength: 1, description: `a non-empty name (${NAME_HINT})` },
    { pattern: '^[^.]*$', description: `a name without "." (${NAME_HINT})` },
    {
      not: { type: 'string', pattern: '_api$' },
      description: `a name not ending in "_api": methods "X_api.m" belong to the appbase namespace (${NAME_HINT})`,
    },
    { not: { const: 'jsonrpc' }, description: `a name other than "jsonrpc": "jsonrpc.*" methods belong to the appbase namespace` },
  ],
} as const;

const urlValue = {
  description: 'an upstream URL, or a non-empty list of URLs tried in order',
  if: { type: 'array' },
  then: { type: 'array', minItems: 1, items: urlString, description: 'a non-empty list of upstream URLs' },
  else: urlString,
} as const;

const ttlValue = {
  type: 'integer',
  minimum: -2,
  description: 'a ttl: an integer number of seconds >= -2 (-1 = never cache, -2 = cache once irreversible, 0 = no expiry)',
} as const;

const timeoutValue = {
  type: 'integer',
  minimum: 0,
  description: 'a timeout: an integer number of seconds >= 0 (0 = no per-prefix timeout)',
} as const;

/**
 * An entry is `[prefix, value]` or `{"prefix": p, "<value key>": value}`. Objects must have
 * exactly these two members: jussi takes "the key before prefix", which with more members
 * depends on key order and is ambiguous.
 */
function entryList(value: object, valueKeyExample: string, what: string): object {
  return {
    type: 'array',
    description: `a list of ${what} entries, each [prefix, value] or {"prefix": ..., "${valueKeyExample}": value}`,
    items: {
      description: `a ${what} entry: [prefix, value] or {"prefix": ..., "${valueKeyExample}": value}`,
      if: { type: 'array' },
      then: {
        type: 'array',
        minItems: 2,
        maxItems: 2,
        description: `a pair [prefix, value]`,
        items: [prefix, value],
      },
      else: {
        type: 'object',
        description: `an object with exactly two members, "prefix" and the value (e.g. "${valueKeyExample}")`,
        required: ['prefix'],
        minProperties: 2,
        maxProperties: 2,
        properties: { prefix },
        additionalProperties: value,
      },
    },
  };
}

const accountList = {
  type: 'array',
  description: 'a list of account names',
  items: { type: 'string', description: 'an account name' },
} as const;

const positiveInteger = (what: string) => ({ type: 'integer', minimum: 1, description: `${what}: an integer >= 1` });
const nonNegativeInteger = (what: string) => ({ type: 'integer', minimum: 0, description: `${what}: an integer >= 0` });

/** JSON Schema (draft-07) of `RawConfigDocument`. Unknown members are allowed (and warned about by the loader). */
export const CONFIG_DOCUMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://jussi.io/schemas/proxy-config.json',
  title: 'jussi proxy config document',
  type: 'object',
  description: 'a config document: an object with "upstreams" and optionally "limits"',
  required: ['upstreams'],
  properties: {
    limits: {
      type: 'object',
      description: 'an object of limits',
      properties: {
        accounts_blacklist: accountList,
        account_history_limit: nonNegativeInteger('the largest get_account_history count allowed'),
        custom_json_op_length: nonNegativeInteger('the largest custom_json "json" size in UTF-8 bytes'),
        jsonrpc_batch_size_limit: positiveInteger('the largest JSON-RPC batch'),
        blacklist_accounts: accountList,
      },
    },
    upstreams: {
      type: 'array',
      description: 'a list of upstream blocks',
      items: {
        type: 'object',
        description: 'an upstream block with "name", "urls", "ttls" and "timeouts"',
        required: ['name', 'urls', 'ttls', 'timeouts'],
        properties: {
          name: upstreamName,
          translate_to_appbase: { type: 'boolean', description: 'true or false' },
          urls: entryList(urlValue, 'upstream_url', 'url'),
          ttls: entryList(ttlValue, 'upstream_ttl', 'ttl'),
          timeouts: entryList(timeoutValue, 'upstream_timeout', 'timeout'),
          retries: { description: 'ignored (jussi ignores it too)' },
          pool: {
            type: 'object',
            description: 'connection pool settings: http_connections, websocket_min, websocket_max',
            additionalProperties: false,
            properties: {
              http_connections: positiveInteger('HTTP connections per origin'),
              websocket_min: nonNegativeInteger('WebSocket connections kept open'),
              websocket_max: positiveInteger('most WebSocket connections'),
            },
          },
        },
      },
    },
    // Extension: edge protection (edge-schema.ts).
    edge: EDGE_SCHEMA,
  },
} as const;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
const validate = ajv.compile<RawConfigDocument>(CONFIG_DOCUMENT_SCHEMA);

export type SchemaResult =
  | { readonly ok: true; readonly document: RawConfigDocument }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Validates a parsed document against the schema; every problem names its JSON path. */
export function validateConfigSchema(value: unknown): SchemaResult {
  if (validate(value)) return { ok: true, document: value };
  const problems = problemsFromAjv(validate.errors ?? []);
  return { ok: false, problems };
}

function problemsFromAjv(errors: readonly ErrorObject[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const p = problemFromAjv(e);
    if (p === null) continue;
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

function describe(schema: unknown): string {
  if (typeof schema === 'object' && schema !== null && 'description' in schema && typeof schema.description === 'string') {
    return schema.description;
  }
  return 'a valid value';
}

function problemFromAjv(e: ErrorObject): ConfigProblem | null {
  const got = describeValue(e.data);
  switch (e.keyword) {
    case 'if':
      // The branch that applied reports its own errors; "must match then schema" adds nothing.
      return null;
    case 'required': {
      const missing = String((e.params as { missingProperty?: unknown }).missingProperty);
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      return {
        path: `${e.instancePath}/${escapePointer(missing)}`,
        message: `"${missing}" is required: expected ${describe(props?.[missing])}`,
      };
    }
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty?: unknown }).additionalProperty);
      return {
        path: `${e.instancePath}/${escapePointer(extra)}`,
        message: `unexpected member "${extra}": expected ${describe(e.parentSchema)}`,
      };
    }
    default:
      return { path: e.instancePath, message: `expected ${describe(e.parentSchema)}, got ${got}` };
  }
}
