// Reads one `urls`/`ttls`/`timeouts` entry in either of jussi's forms. The schema has already
// checked the shape: a pair `[prefix, value]`, or an object with exactly `prefix` and one other
// member (jussi's "key before prefix", which for two members is simply the other one).

import { pointer } from './problems.js';

export interface EntryParts {
  readonly prefix: string;
  readonly value: unknown;
  /** JSON path of the prefix string. */
  readonly prefixPath: string;
  /** JSON path of the value. */
  readonly valuePath: string;
}

export function readEntry(entry: unknown, path: string): EntryParts {
  if (Array.isArray(entry)) {
    return { prefix: String(entry[0]), value: entry[1], prefixPath: pointer(path, 0), valuePath: pointer(path, 1) };
  }
  const record = entry as Record<string, unknown>;
  const valueKey = Object.keys(record).find((k) => k !== 'prefix') ?? 'prefix';
  return {
    prefix: String(record['prefix']),
    value: record[valueKey],
    prefixPath: pointer(path, 'prefix'),
    valuePath: pointer(path, valueKey),
  };
}
