// Runs tables of jussi conformance vectors. A case passes, or is a deliberate difference listed
// (with the ARCHITECTURE item that explains it) in deliberate-differences.json, or fails the test.
// Prints passed / deliberate / failed totals per suite.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { readFileSync } from 'node:fs';
import type { NormalisedConfig } from '@jussi/proxy/config/document';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { conformanceAvailable, conformanceConfigPath, conformanceDir, readJson, repoRoot } from '../support/repo.js';

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly detail: string };
export const PASS: Outcome = { ok: true };
export function fail(detail: string): Outcome {
  return { ok: false, detail };
}

/** Compares with assert.deepStrictEqual semantics and turns a mismatch into a failed outcome. */
export function expectEqual(actual: unknown, expected: unknown, what: string): Outcome {
  try {
    assert.deepStrictEqual(actual, expected);
    return PASS;
  } catch {
    return fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** First failing outcome, or PASS. */
export function all(...outcomes: Outcome[]): Outcome {
  return outcomes.find((o) => !o.ok) ?? PASS;
}

export interface ConformanceSuite<C> {
  /** File name under shared/conformance/jussi. */
  readonly file: string;
  /** Stable id of a case; defaults to its `source` field, then its index. */
  readonly caseId?: (c: C, index: number) => string;
  /** Narrow the file's cases to the ones this suite checks (e.g. one `function` of a unit file). */
  readonly select?: (c: C) => boolean;
  /** Name of this suite in output and in allow-list entries (defaults to `file`). */
  readonly name?: string;
  readonly cases?: (data: unknown) => C[];
  check(c: C, index: number): Outcome | Promise<Outcome>;
}

interface DeliberateEntry {
  /** Suite name (usually the vector file name). */
  readonly suite: string;
  /** Exact case ids, or regular expressions (written /.../) matched against case ids. */
  readonly cases: readonly string[];
  /** The ARCHITECTURE.md "Deliberate differences" item, e.g. 4, or an issue reference. */
  readonly item: number | string;
  readonly why: string;
}

/** A suite with its case type erased, so suites of different vector files run together. */
export interface ErasedSuite {
  readonly file: string;
  readonly name: string;
  readonly caseId: (c: unknown, index: number) => string;
  readonly select: (c: unknown) => boolean;
  readonly cases: (data: unknown) => unknown[];
  readonly check: (c: unknown, index: number) => Outcome | Promise<Outcome>;
}

/** The vector files are trusted test data: each suite says what shape its cases have. */
export function defineSuite<C>(suite: ConformanceSuite<C>): ErasedSuite {
  return {
    file: suite.file,
    name: suite.name ?? suite.file,
    caseId: (c, i) => (suite.caseId ? suite.caseId(c as C, i) : defaultId(c, i)),
    select: (c) => (suite.select ? suite.select(c as C) : true),
    cases: (data) => (suite.cases ? suite.cases(data) : (data as unknown[])),
    check: (c, i) => suite.check(c as C, i),
  };
}

/** The one allow-list of deliberate differences, each naming the ARCHITECTURE item behind it. */
export const DELIBERATE_DIFFERENCES = join(repoRoot, 'test', 'conformance', 'deliberate-differences.json');

function loadDeliberate(): DeliberateEntry[] {
  return readJson<{ entries: DeliberateEntry[] }>(DELIBERATE_DIFFERENCES).entries;
}

function matches(pattern: string, id: string): boolean {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    return new RegExp(pattern.slice(1, -1)).test(id);
  }
  return pattern === id;
}

export interface SuiteTotals {
  readonly passed: number;
  readonly deliberate: number;
  readonly failed: number;
}

/**
 * Registers one subtest per suite. Skips (with a printed line) when ../shared is absent.
 * Returns nothing; failures are assertion errors listing every unexplained case.
 */
export async function runConformance(t: TestContext, suites: readonly ErasedSuite[]): Promise<void> {
  if (!conformanceAvailable()) {
    console.log(`conformance skipped: ${conformanceDir} is absent`);
    t.skip(`conformance vectors absent (${conformanceDir})`);
    return;
  }
  const deliberate = loadDeliberate();
  for (const suite of suites) {
    const name = suite.name;
    await t.test(name, async () => {
      const data = readJson<unknown>(join(conformanceDir, suite.file));
      const cases = suite.cases(data);
      let passed = 0;
      let deliberateCount = 0;
      const failures: string[] = [];
      let index = -1;
      for (const c of cases) {
        index += 1;
        if (!suite.select(c)) continue;
        const id = suite.caseId(c, index);
        let outcome: Outcome;
        try {
          outcome = await suite.check(c, index);
        } catch (err) {
          outcome = fail(`threw ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        }
        if (outcome.ok) {
          passed += 1;
          continue;
        }
        const entry = deliberate.find((d) => d.suite === name && d.cases.some((p) => matches(p, id)));
        if (entry) deliberateCount += 1;
        else failures.push(`${id}: ${outcome.detail}`);
      }
      console.log(`conformance ${name}: passed ${passed}, deliberate ${deliberateCount}, failed ${failures.length}`);
      assert.equal(failures.length, 0, `unexplained differences in ${name}:\n${failures.slice(0, 40).join('\n')}`);
      assert.ok(passed + deliberateCount > 0, `${name}: no case was checked`);
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
