// Runs tables of conformance vectors (jussi's, and this project's own under vectors/). A case
// passes, or is a deliberate difference listed in deliberate-differences.json with the
// ARCHITECTURE item that explains it and the exact values we produce instead, or fails the test.
// Prints passed / deliberate / failed totals per suite.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { readFileSync } from 'node:fs';
import type { NormalisedConfig } from '@jussi/proxy/config/document';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { conformanceAvailable, conformanceConfigPath, conformanceDir, readJson, repoRoot } from '../support/repo.js';

/**
 * What we produce where a vector differs: each compared thing that differs ("ttl", "header
 * x-jussi-params", "failure") with our exact value. A deliberate difference names these values.
 */
export type Ours = Readonly<Record<string, unknown>>;
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly detail: string; readonly ours: Ours };
export const PASS: Outcome = { ok: true };

/** A difference in `what`: ours is `ours` (JSON-comparable), the detail says what jussi expects. */
export function differs(what: string, ours: unknown, detail: string): Outcome {
  return { ok: false, detail, ours: { [what]: ours } };
}

/** A case that could not be compared at all (not routable, refused, threw): its message is ours. */
export function fail(detail: string): Outcome {
  return differs('failure', detail, detail);
}

/** Compares with assert.deepStrictEqual semantics and turns a mismatch into a difference in `what`. */
export function expectEqual(actual: unknown, expected: unknown, what: string): Outcome {
  try {
    assert.deepStrictEqual(actual, expected);
    return PASS;
  } catch {
    return differs(what, actual, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Every difference of the outcomes together (PASS when there is none). */
export function all(...outcomes: Outcome[]): Outcome {
  const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  if (failed.length === 0) return PASS;
  if (failed.length === 1) return failed[0] as Outcome;
  const ours: Record<string, unknown> = {};
  for (const o of failed) for (const [what, value] of Object.entries(o.ours)) if (!(what in ours)) ours[what] = value;
  return { ok: false, detail: failed.map((o) => o.detail).join('; '), ours };
}

/** Where a suite's vectors live: jussi's (../shared, read-only) or this project's own. */
export type VectorSource = 'jussi' | 'project';

/** Every suite name; an entry of deliberate-differences.json names one of these. */
export const SUITE_NAMES = [
  'irreversible_ttl_cases.json#irreversible_ttl',
  'irreversible_ttl_cases.json#block_num_from_response',
  'response_validation_cases.json',
  'ttl_cases.json#cache_behaviour',
  'cache_key_cases.json#cache_behaviour',
  'urn_cases.json',
  'urn_cases.json x-jussi-params',
  'validation_cases.json',
  'limits_unit_cases.json',
  'limits_cases.json',
  'ttl_cases.json',
  'timeout_cases.json',
  'translation_cases.json',
  'translation_cases.json x-jussi-params',
  'account_transfer_route_cases.json',
  'cache_key_cases.json',
  'http_flow_cases.json',
  'validation_cases.json (HTTP and dispatch)',
  'number_spelling_cases.json',
  'number_spelling_cases.json x-jussi-params',
] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

export interface ConformanceSuite<C> {
  /** File name under shared/conformance/jussi, or under test/conformance/vectors for `project`. */
  readonly file: string;
  readonly source?: VectorSource;
  /** Stable id of a case; defaults to its `source` field, then its index. */
  readonly caseId?: (c: C, index: number) => string;
  /** Narrow the file's cases to the ones this suite checks (e.g. one `function` of a unit file). */
  readonly select?: (c: C) => boolean;
  /** Name of this suite in output and in deliberate-differences entries (defaults to `file`). */
  readonly name?: SuiteName;
  readonly cases?: (data: unknown) => C[];
  check(c: C, index: number): Outcome | Promise<Outcome>;
}

/**
 * One deliberate difference: the cases it covers, each by its exact id, and for each the exact
 * values we produce (`ours`: the same for every listed case; or `cases` as an object: one
 * `ours` per case). A listed case must differ from its vector in exactly these values.
 */
export interface DeliberateEntry {
  readonly suite: string;
  readonly cases: readonly string[] | Readonly<Record<string, Ours>>;
  readonly ours?: Ours;
  /** The ARCHITECTURE.md "Deliberate differences" item, e.g. 4, or an issue reference. */
  readonly item: number | string;
  readonly why: string;
}

/** A suite with its case type erased, so suites of different vector files run together. */
export interface ErasedSuite {
  readonly file: string;
  readonly source: VectorSource;
  readonly name: SuiteName;
  readonly caseId: (c: unknown, index: number) => string;
  readonly select: (c: unknown) => boolean;
  readonly cases: (data: unknown) => unknown[];
  readonly check: (c: unknown, index: number) => Outcome | Promise<Outcome>;
}

/** The vector files are trusted test data: each suite says what shape its cases have. */
export function defineSuite<C>(suite: ConformanceSuite<C>): ErasedSuite {
  const name = suite.name ?? suite.file;
  if (!(SUITE_NAMES as readonly string[]).includes(name)) throw new Error(`suite ${name} is not in SUITE_NAMES`);
  return {
    file: suite.file,
    source: suite.source ?? 'jussi',
    name: name as SuiteName,
    caseId: (c, i) => (suite.caseId ? suite.caseId(c as C, i) : defaultId(c, i)),
    select: (c) => (suite.select ? suite.select(c as C) : true),
    cases: (data) => (suite.cases ? suite.cases(data) : (data as unknown[])),
    check: (c, i) => suite.check(c as C, i),
  };
}

/** The one list of deliberate differences, each naming the ARCHITECTURE item behind it. */
export const DELIBERATE_DIFFERENCES = join(repoRoot, 'test', 'conformance', 'deliberate-differences.json');
/** This project's own vectors (number spelling and other cases jussi's vectors do not cover). */
export const PROJECT_VECTORS = join(repoRoot, 'test', 'conformance', 'vectors');

export function loadDeliberate(): DeliberateEntry[] {
  return readJson<{ entries: DeliberateEntry[] }>(DELIBERATE_DIFFERENCES).entries;
}

/** The listed case ids of an entry. */
export function listedCases(entry: DeliberateEntry): string[] {
  return Array.isArray(entry.cases) ? [...(entry.cases as readonly string[])] : Object.keys(entry.cases);
}

/** What an entry says we produce for one of its cases. */
function oursListed(entry: DeliberateEntry, id: string): Ours | undefined {
  return Array.isArray(entry.cases) ? entry.ours : (entry.cases as Readonly<Record<string, Ours>>)[id];
}

/** JSON's view of a value (undefined members dropped), so listed and produced values compare. */
function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(asJson(a), asJson(b));
    return true;
  } catch {
    return false;
  }
}

/**
 * True when jussi's vectors are there. Without them jussi's suites skip with a printed line,
 * except under CI (`CI=true`), where a missing ../shared/conformance/jussi fails: the suite must
 * never pass on nothing.
 */
export function jussiVectorsPresent(): boolean {
  if (conformanceAvailable()) return true;
  console.log(`conformance skipped: ${conformanceDir} is absent`);
  return false;
}

/** One checked case of a suite. */
export interface CaseResult {
  readonly id: string;
  readonly outcome: Outcome;
}

export interface Verdict {
  readonly passed: number;
  readonly deliberate: number;
  /** Every case that fails the suite, and every listed id that is not a case of it. */
  readonly failures: readonly string[];
}

/**
 * The verdict on a suite's results given the deliberate differences listed for it: a case passes,
 * or is listed with exactly the values we produce (deliberate), or fails; a listed case that
 * agrees with jussi, is listed twice, or is not a case of the suite fails too.
 */
export function judge(results: readonly CaseResult[], entries: readonly DeliberateEntry[]): Verdict {
  const listedBy = new Map<string, DeliberateEntry>();
  const failures: string[] = [];
  for (const entry of entries) {
    for (const id of listedCases(entry)) {
      if (listedBy.has(id)) failures.push(`${JSON.stringify(id)} is listed twice`);
      listedBy.set(id, entry);
    }
  }
  let passed = 0;
  let deliberate = 0;
  const seen = new Set<string>();
  for (const { id, outcome } of results) {
    seen.add(id);
    const entry = listedBy.get(id);
    if (outcome.ok) {
      passed += 1;
      if (entry !== undefined) failures.push(`${id}: listed as a deliberate difference (item ${entry.item}) but agrees with jussi`);
    } else if (entry === undefined) {
      failures.push(`${id}: ${outcome.detail}`);
    } else {
      const listed = oursListed(entry, id);
      if (sameJson(outcome.ours, listed)) deliberate += 1;
      else failures.push(`${id}: listed (item ${entry.item}) with ours = ${JSON.stringify(listed)}, but ours is ${JSON.stringify(outcome.ours)} (${outcome.detail})`);
    }
  }
  for (const [id, entry] of listedBy) {
    if (!seen.has(id)) failures.push(`a deliberate difference (item ${entry.item}) lists ${JSON.stringify(id)}, which is not a case of the suite`);
  }
  return { passed, deliberate, failures };
}

/**
 * Registers one subtest per suite and judges it (see `judge`). jussi's suites skip (with a
 * printed line) when ../shared is absent, except under CI.
 */
export async function runConformance(t: TestContext, suites: readonly ErasedSuite[]): Promise<void> {
  const haveJussi = suites.some((s) => s.source === 'jussi') ? jussiVectorsPresent() : true;
  const deliberate = loadDeliberate();
  for (const suite of suites) {
    const absent = suite.source === 'jussi' && !haveJussi;
    await t.test(suite.name, absent ? { skip: `conformance vectors absent (${conformanceDir})` } : {}, async () => {
      const dir = suite.source === 'jussi' ? conformanceDir : PROJECT_VECTORS;
      const cases = suite.cases(readJson<unknown>(join(dir, suite.file)));
      const results: CaseResult[] = [];
      let index = -1;
      for (const c of cases) {
        index += 1;
        if (!suite.select(c)) continue;
        let outcome: Outcome;
        try {
          outcome = await suite.check(c, index);
        } catch (err) {
          outcome = fail(`threw ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        }
        results.push({ id: suite.caseId(c, index), outcome });
      }
      const { passed, deliberate: listed, failures } = judge(results, deliberate.filter((d) => d.suite === suite.name));
      console.log(`conformance ${suite.name}: passed ${passed}, deliberate ${listed}, failed ${failures.length}`);
      assert.equal(failures.length, 0, `unexplained differences in ${suite.name}:\n${failures.slice(0, 40).join('\n')}`);
      assert.ok(passed + listed > 0, `${suite.name}: no case was checked`);
    });
  }
}

function defaultId(c: unknown, index: number): string {
  if (typeof c === 'object' && c !== null && 'source' in c && typeof (c as { source: unknown }).source === 'string') {
    return `${(c as { source: string }).source}#${index}`;
  }
  return `#${index}`;
}

const loadedConfigs = new Map<string, NormalisedConfig>();

/** One of jussi's conformance configs, loaded once per process; one that does not load fails the suite. */
export function conformanceConfig(name: string): NormalisedConfig {
  let c = loadedConfigs.get(name);
  if (c === undefined) {
    const r = loadConfigDocument(readFileSync(conformanceConfigPath(name), 'utf8'));
    if (!r.ok) throw new Error(`${name} does not load: ${JSON.stringify(r.problems)}`);
    c = r.config;
    loadedConfigs.set(name, c);
  }
  return c;
}
