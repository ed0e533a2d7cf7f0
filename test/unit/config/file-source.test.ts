import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EmbeddedConfigSource } from '@jussi/proxy/config/sources/embedded-source';
import { FileConfigSource } from '@jussi/proxy/config/sources/file-source';
import type { ConfigSource, ConfigSourceListener } from '@jussi/proxy/config/sources/source';
import { EXAMPLE_CONFIG_TEXT } from '@jussi/proxy/config/example-config';

type Event = { kind: 'document'; text: string; origin: string } | { kind: 'error'; message: string; origin: string };

/** Records what a source delivers and lets a test wait for the next event. */
class Recorder implements ConfigSourceListener {
  readonly events: Event[] = [];
  private waiters: (() => void)[] = [];

  document(doc: { text: string; origin: string }): void {
    this.push({ kind: 'document', text: doc.text, origin: doc.origin });
  }

  error(err: { message: string; origin: string }): void {
    this.push({ kind: 'error', message: err.message, origin: err.origin });
  }

  private push(e: Event): void {
    this.events.push(e);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until an event at index >= `from` satisfies `match`; fails after a generous deadline. */
  async waitFor(from: number, match: (e: Event) => boolean, what: string, deadlineMs = 10_000): Promise<Event> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found !== undefined) return found;
      const left = end - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${what}; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

const isDoc = (text: string) => (e: Event) => e.kind === 'document' && e.text === text;

describe('file config source', () => {
  const dirs: string[] = [];
  const sources: ConfigSource[] = [];
  async function tempDir(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'jussi-file-source-'));
    dirs.push(d);
    return d;
  }
  function source(path: string, pollIntervalMs = 0): FileConfigSource {
    const s = new FileConfigSource(path, { debounceMs: 20, pollIntervalMs });
    sources.push(s);
    return s;
  }
  after(async () => {
    for (const s of sources) await s.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('delivers the document on start, with its origin', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, '{"a":1}');
    const rec = new Recorder();
    const s = source(path);
    await s.start(rec);
    assert.deepEqual(rec.events, [{ kind: 'document', text: '{"a":1}', origin: `file ${path}` }]);
    assert.equal(s.description, `file ${path}`);
  });

  it('delivers in-place changes, and skips writes that do not change the content', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, 'one');
    const rec = new Recorder();
    await source(path).start(rec);
    await writeFile(path, 'two');
    await rec.waitFor(1, isDoc('two'), 'the changed text');
    const mark = rec.events.length;
    await writeFile(path, 'two');
    await writeFile(path, 'three');
    await rec.waitFor(mark, isDoc('three'), 'the next change');
    // (A read racing a truncating write may see an empty file; what matters is no second "two".)
    const texts = rec.events.slice(mark).map((e) => (e.kind === 'document' ? e.text : e.kind));
    assert.ok(!texts.includes('two'), `rewriting the same content delivers nothing: ${JSON.stringify(texts)}`);
  });

  it('delivers a file replaced by rename, as editors save', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, 'before');
    const rec = new Recorder();
    await source(path).start(rec);
    const tmp = join(dir, '.config.json.swp');
    await writeFile(tmp, 'after');
    await rename(tmp, path);
    await rec.waitFor(1, isDoc('after'), 'the renamed-in text');
  });

  it('delivers a ConfigMap-style ..data symlink swap', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '..2024_01_01_00_00_00.1'));
    await writeFile(join(dir, '..2024_01_01_00_00_00.1', 'config.json'), 'generation 1');
    await symlink('..2024_01_01_00_00_00.1', join(dir, '..data'));
    await symlink(join('..data', 'config.json'), join(dir, 'config.json'));
    const rec = new Recorder();
    await source(join(dir, 'config.json')).start(rec);
    assert.ok(rec.events[0] !== undefined && isDoc('generation 1')(rec.events[0]));

    // What the kubelet does: write a new timestamped directory, point ..data_tmp at it, rename.
    await mkdir(join(dir, '..2024_01_01_00_01_00.2'));
    await writeFile(join(dir, '..2024_01_01_00_01_00.2', 'config.json'), 'generation 2');
    await symlink('..2024_01_01_00_01_00.2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2024_01_01_00_00_00.1'), { recursive: true });
    await rec.waitFor(1, isDoc('generation 2'), 'the swapped-in generation');
  });

  it('follows a symlink into another directory and sees changes there', async () => {
    const linkDir = await tempDir();
    const realDir = await tempDir();
    await writeFile(join(realDir, 'real.json'), 'v1');
    await symlink(join(realDir, 'real.json'), join(linkDir, 'config.json'));
    const rec = new Recorder();
    await source(join(linkDir, 'config.json')).start(rec);
    await writeFile(join(realDir, 'real.json'), 'v2');
    await rec.waitFor(1, isDoc('v2'), 'the change in the link target directory');
  });

  it('delivers invalid content too: validation is not the source’s job', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, '{"upstreams": [');
    const rec = new Recorder();
    await source(path).start(rec);
    assert.deepEqual(rec.events.map((e) => e.kind), ['document']);
    await writeFile(path, 'not json at all');
    await rec.waitFor(1, isDoc('not json at all'), 'the invalid text');
  });

  it('reports a missing file, then delivers it when it appears', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    const rec = new Recorder();
    await source(path).start(rec);
    assert.equal(rec.events[0]?.kind, 'error');
    assert.match(rec.events[0]?.kind === 'error' ? rec.events[0].message : '', /cannot read .*config\.json: file not found/);
    await writeFile(path, 'hello');
    await rec.waitFor(1, isDoc('hello'), 'the created file');
  });

  it('reports a deleted file once, and re-delivers the same content when it comes back', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, 'same');
    const rec = new Recorder();
    await source(path).start(rec);
    await unlink(path);
    await rec.waitFor(1, (e) => e.kind === 'error', 'the deletion error');
    const mark = rec.events.length;
    await writeFile(path, 'same');
    await rec.waitFor(mark, isDoc('same'), 'the restored document');
    assert.equal(rec.events.filter((e) => e.kind === 'error').length, 1);
  });

  it('finds a file whose directory appears later (poll re-creates the watch)', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'later');
    const path = join(sub, 'config.json');
    const rec = new Recorder();
    await source(path, 50).start(rec);
    assert.equal(rec.events[0]?.kind, 'error');
    await mkdir(sub);
    await writeFile(path, 'late');
    await rec.waitFor(1, isDoc('late'), 'the late file');
    // Once watched again, changes arrive as events.
    await writeFile(path, 'later still');
    await rec.waitFor(1, isDoc('later still'), 'a change after the directory appeared');
  });

  it('re-reads on reload and delivers even an unchanged document', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, 'x');
    const rec = new Recorder();
    const s = source(path);
    await s.start(rec);
    await s.reload();
    assert.deepEqual(rec.events.map((e) => (e.kind === 'document' ? e.text : e.kind)), ['x', 'x']);
  });

  it('delivers nothing after stop', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, 'a');
    const stopped = new Recorder();
    const witness = new Recorder();
    const s = source(path);
    await s.start(stopped);
    await source(path).start(witness);
    await s.stop();
    await s.stop();
    await writeFile(path, 'b');
    await witness.waitFor(1, isDoc('b'), 'the witness to see the change');
    await s.reload();
    assert.deepEqual(stopped.events.map((e) => e.kind), ['document']);
  });

  it('refuses to start twice', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, 'a');
    const s = source(path);
    await s.start(new Recorder());
    await assert.rejects(s.start(new Recorder()), /already started/);
  });
});

describe('embedded example source', () => {
  it('delivers the example on start and on reload, nothing after stop', async () => {
    const rec = new Recorder();
    const s = new EmbeddedConfigSource();
    await s.start(rec);
    await s.reload();
    await s.stop();
    await s.reload();
    assert.deepEqual(rec.events, [
      { kind: 'document', text: EXAMPLE_CONFIG_TEXT, origin: 'embedded example config' },
      { kind: 'document', text: EXAMPLE_CONFIG_TEXT, origin: 'embedded example config' },
    ]);
  });
});
