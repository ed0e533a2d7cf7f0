// The config document from a file (JUSSI_UPSTREAM_CONFIG_FILE), watched for changes.
//
// Files are rarely changed in place: editors write a new file and rename it over the old one,
// and a Kubernetes ConfigMap mount swaps a `..data` symlink so the file's path never sees an
// event. So the source watches the directory (and the directory of the file's real path, when
// it is a symlink elsewhere), debounces bursts of events, re-reads the file through its path
// and emits only when the content changed. A slow poll backs the watchers up on filesystems
// whose events get lost (network filesystems, some overlays) and re-creates watchers that died.

import { watch, type FSWatcher } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ConfigSource, ConfigSourceListener } from './source.js';

export interface FileSourceOptions {
  /** Quiet time after the last filesystem event before re-reading; default 100 ms. */
  readonly debounceMs?: number;
  /** Re-read this often even without events; 0 disables; default 5000 ms. */
  readonly pollIntervalMs?: number;
}

export const DEFAULT_DEBOUNCE_MS = 100;
export const DEFAULT_POLL_INTERVAL_MS = 5000;

type ReadOutcome = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

export class FileConfigSource implements ConfigSource {
  readonly description: string;
  private readonly path: string;
  private readonly debounceMs: number;
  private readonly pollIntervalMs: number;
  private listener: ConfigSourceListener | null = null;
  private readonly watchers = new Map<string, FSWatcher>();
  private debounceTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Serialises reads so that emissions happen in order. */
  private chain: Promise<void> = Promise.resolve();
  /** Text last emitted; null after an error (so that recovering re-emits even the same text). */
  private lastText: string | null = null;
  private lastError: string | null = null;
  private stopped = false;

  constructor(path: string, options: FileSourceOptions = {}) {
    this.path = resolve(path);
    this.description = `file ${this.path}`;
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  async start(listener: ConfigSourceListener): Promise<void> {
    if (this.listener !== null) throw new Error(`${this.description}: already started`);
    this.listener = listener;
    await this.enqueue(true);
    await this.ensureWatchers();
    if (this.pollIntervalMs > 0 && !this.stopped) {
      this.pollTimer = setInterval(() => {
        void this.ensureWatchers();
        void this.enqueue(false);
      }, this.pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  reload(): Promise<void> {
    return this.enqueue(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounceTimer);
    clearInterval(this.pollTimer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.chain;
  }

  private enqueue(force: boolean): Promise<void> {
    const next = this.chain.then(() => this.check(force));
    // A throwing listener must not wedge later reads.
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async check(force: boolean): Promise<void> {
    if (this.stopped || this.listener === null) return;
    const outcome = await readText(this.path);
    if (this.stopped) return;
    if (outcome.ok) {
      if (!force && outcome.text === this.lastText) return;
      this.lastText = outcome.text;
      this.lastError = null;
      this.listener.document({ text: outcome.text, origin: this.description });
      return;
    }
    if (!force && outcome.message === this.lastError) return;
    this.lastError = outcome.message;
    this.lastText = null;
    this.listener.error({ origin: this.description, message: outcome.message });
  }

  private onEvent(): void {
    if (this.stopped) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      void this.enqueue(false);
      // A symlink may now point into another directory: watch that one too.
      void this.ensureWatchers();
    }, this.debounceMs);
  }

  /** Watches the file's directory and its real path's directory; drops watchers no longer needed. */
  private async ensureWatchers(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Set([dirname(this.path)]);
    try {
      wanted.add(dirname(await realpath(this.path)));
    } catch {
      // The file is missing right now; its directory watcher will see it come back.
    }
    if (this.stopped) return;
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.onEvent());
        w.on('error', () => {
          // The directory went away or the watch broke: forget it; the poll re-creates it.
          w.close();
          if (this.watchers.get(dir) === w) this.watchers.delete(dir);
          this.onEvent();
        });
        this.watchers.set(dir, w);
      } catch {
        // Directory missing: the poll retries.
      }
    }
  }
}

async function readText(path: string): Promise<ReadOutcome> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
    const detail = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : err instanceof Error ? err.message : String(err);
    return { ok: false, message: `cannot read ${path}: ${detail}` };
  }
}
