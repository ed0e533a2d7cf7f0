// The benchmark harness end to end in smoke mode (a second or so per measurement, one round):
// every scenario runs against every one of its systems with the answers checked, the report is
// written as JSON, Markdown and SVG, and nothing the harness started is left running. Speed is
// not asserted: the numbers of a smoke run on a shared machine mean nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChildRegistry, groupMembers } from './children.js';
import { PRESETS, runBench, SCENARIO_IDS, type BenchOutcome } from './harness.js';
import type { BenchReport } from './report.js';
import { buildScenarios, type Services } from './scenarios.js';
import { findOnPath, REQUIRED_TOOLS } from './tools.js';

/** The systems each scenario compares, by id, from the scenario table itself. */
function expectedSystems(): Map<string, string[]> {
  const services: Services = {
    upstream: { port: 1, pid: 1, workers: 2 },
    wsUpstreamUrl: 'ws://127.0.0.1:1',
    steemUpstreamUrl: 'http://127.0.0.1:1/',
    redisUrl: 'redis://127.0.0.1:1',
    otlpEndpoint: 'http://127.0.0.1:1',
    clock: { headAtStart: 50_000_000, startSeconds: Math.floor(Date.now() / 1000) },
  };
  return new Map(buildScenarios(services, PRESETS.smoke.sizes).map((s) => [s.id, s.systems.map((sys) => sys.id)]));
}

/** Problems that keep `text` from being one well-formed XML element (tags balanced, attributes quoted, entities valid). */
function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  for (const m of text.trim().matchAll(/<!--[\s\S]*?-->|<[^>]*>|[^<]+/g)) {
    const token = m[0];
    if (token.startsWith('<!--') || token.startsWith('<?')) continue;
    if (!token.startsWith('<')) {
      if (stack.length === 0 && token.trim() !== '') problems.push(`text outside the root element: ${token.slice(0, 60)}`);
      const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(token);
      if (bad !== null) problems.push(`bare & in text: ${token.slice(Math.max(0, bad.index - 20), bad.index + 20)}`);
      continue;
    }
    const close = /^<\/([A-Za-z][\w:.-]*)\s*>$/.exec(token);
    if (close !== null) {
      const open = stack.pop();
      if (open !== close[1]) problems.push(`</${close[1]}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    const tag = /^<([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    if (tag === null) {
      problems.push(`malformed tag: ${token.slice(0, 80)}`);
      continue;
    }
    if (stack.length === 0) roots += 1;
    if (tag[3] !== '/') stack.push(tag[1] as string);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

test('the benchmark harness runs every scenario in smoke mode, writes its report and leaves no process behind', { timeout: 10 * 60_000 }, async (t) => {
  const missing = REQUIRED_TOOLS.filter((tool) => findOnPath(tool) === null);
  if (missing.length > 0) {
    const reason = `the benchmark needs ${missing.join(', ')} (apt-get install -y ${missing.join(' ')}); skipping the smoke run`;
    console.log(`[bench smoke] ${reason}`);
    t.skip(reason);
    return;
  }

  const outDir = mkdtempSync(join(tmpdir(), 'jussi-bench-smoke-test-'));
  const children = new ChildRegistry();
  const lines: string[] = [];
  const startedAt = Date.now();
  try {
    let outcome: BenchOutcome;
    try {
      outcome = await runBench({ mode: 'smoke', outDir, children, log: (line) => lines.push(line) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`the smoke run failed: ${message}\n--- harness log (last 40 lines) ---\n${lines.slice(-40).join('\n')}`, { cause: err });
    }
    t.diagnostic(`smoke run took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

    // Nothing left: every child stopped, and no live process in any of their process groups.
    assert.deepEqual(
      children.list().map((c) => c.name),
      [],
      'children still registered after the run',
    );
    const history = children.history();
    for (const name of ['upstream', 'ws-upstream', 'steem-upstream', 'redis', 'wrk']) {
      assert.ok(
        history.some((c) => c.name === name),
        `the harness never started ${name}`,
      );
    }
    for (const child of history) {
      assert.equal(child.running(), false, `${child.name} (pid ${child.pid}) is still running`);
      assert.deepEqual(groupMembers(child.pid), [], `processes of ${child.name}'s group ${child.pid} are left behind`);
    }

    // The files exist and say the same as the returned report.
    const { report, files } = outcome;
    for (const file of [files.json, files.markdown, files.svg, join(outDir, 'latest.md'), join(outDir, 'latest.svg')]) assert.ok(existsSync(file), `${file} was not written`);
    const parsed = JSON.parse(readFileSync(files.json, 'utf8')) as BenchReport;
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(report)) as unknown);
    assert.equal(parsed.mode, 'smoke');
    assert.equal(parsed.settings.rounds, PRESETS.smoke.settings.rounds);

    // Every scenario, every system of it, measured with requests and without errors.
    const expected = expectedSystems();
    for (const id of SCENARIO_IDS) {
      if (id === 'render') continue;
      const scenario = parsed.scenarios.find((s) => s.id === id);
      assert.ok(scenario !== undefined, `scenario ${id} is missing from the report`);
      assert.ok(scenario.answersChecked > 0, `${id}: no answers checked`);
      assert.ok(scenario.points.length > 0, `${id}: no measurement points`);
      for (const point of scenario.points) {
        assert.deepEqual(
          point.systems.map((s) => s.id),
          expected.get(id),
          `${id} at ${point.load} ${point.unit}: systems measured`,
        );
        for (const sys of point.systems) {
          const where: string = `${id} at ${point.load} ${point.unit}, ${sys.label}`;
          assert.equal(sys.samples.length, parsed.settings.rounds, `${where}: samples`);
          for (const sample of sys.samples) {
            assert.ok(sample.requests > 0, `${where}, round ${sample.round}: no requests`);
            assert.equal(sample.errors, 0, `${where}, round ${sample.round}: errors`);
          }
          assert.equal(sys.errors, 0, `${where}: errors`);
        }
      }
    }
    assert.deepEqual(parsed.scenarios.map((s) => s.id).sort(), SCENARIO_IDS.filter((id) => id !== 'render').sort());

    // The operator render was timed.
    assert.ok(parsed.render !== null, 'no render result');
    assert.equal(parsed.render.upstreams, PRESETS.smoke.render.pairs);
    assert.equal(parsed.render.cacheRules, PRESETS.smoke.render.pairs);
    assert.equal(parsed.render.runs, PRESETS.smoke.render.runs);
    assert.ok(parsed.render.documentBytes > 0, 'the render produced no document');

    // Every target was evaluated (whether it is met is the report's business, not the test's).
    for (const target of parsed.targets) assert.notEqual(target.met, null, `target not measured: ${target.target}`);

    // The Markdown has one table per scenario, a row per system, and the render.
    const markdown = readFileSync(files.markdown, 'utf8');
    const mdLines = markdown.split('\n');
    for (const scenario of parsed.scenarios) {
      const heading = mdLines.indexOf(`### ${scenario.title}`);
      assert.ok(heading >= 0, `no heading for ${scenario.title}`);
      const header = mdLines.findIndex((l, i) => i > heading && l.startsWith('| ') && l.includes('| System | req/s |'));
      assert.ok(header > heading, `no table under ${scenario.title}`);
      for (const point of scenario.points) {
        for (const sys of point.systems) {
          assert.ok(
            mdLines.some((l, i) => i > header && l.startsWith(`| ${point.load} | `) && l.includes(sys.label)),
            `no row for ${sys.label} in the ${scenario.title} table`,
          );
        }
      }
    }
    assert.match(markdown, /^### Operator render$/m);
    assert.match(markdown, /^### Targets$/m);

    // The SVG is one well-formed <svg> element with a panel per scenario.
    const svg = readFileSync(files.svg, 'utf8');
    assert.ok(svg.startsWith('<svg'), 'the SVG does not start with <svg');
    assert.deepEqual(xmlProblems(svg), []);
    for (const scenario of parsed.scenarios) {
      const title = scenario.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      assert.ok(svg.includes(`>${title} (`), `the SVG has no panel for ${scenario.title}`);
    }
  } finally {
    // runBench stops everything itself; this only covers a failure inside the test.
    await children.stopAll();
    rmSync(outDir, { recursive: true, force: true });
  }
});
