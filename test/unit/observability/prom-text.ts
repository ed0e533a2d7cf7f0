// A parser for the Prometheus text exposition format (version 0.0.4), enough to check names,
// labels and values of a scrape in tests.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Metric family name -> type (counter, gauge, histogram, summary, untyped). */
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+-?\d+)?$/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  while (i < text.length - 1) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels in: ${line}`);
    const name = text.slice(i, eq).trim();
    if (text[eq + 1] !== '"') throw new Error(`bad label value in: ${line}`);
    let j = eq + 2;
    let value = '';
    while (j < text.length && text[j] !== '"') {
      if (text[j] === '\\') {
        const next = text[j + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        j += 2;
      } else {
        value += text[j];
        j += 1;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
      if (m?.[1] === 'TYPE' && m[2] !== undefined && m[3] !== undefined) types.set(m[2], m[3]);
      if (m?.[1] === 'HELP' && m[2] !== undefined && m[3] !== undefined) help.set(m[2], m[3]);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null || m[1] === undefined || m[3] === undefined) throw new Error(`not a sample line: ${line}`);
    samples.push({ name: m[1], labels: m[2] === undefined ? {} : parseLabels(m[2], line), value: parseValue(m[3]) });
  }
  return { samples, types, help };
}

/** Samples of `name` whose labels include every pair of `labels`. */
export function find(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample matching; throws when there is not exactly one. */
export function value(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const found = find(exposition, name, labels);
  if (found.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return (found[0] as Sample).value;
}
