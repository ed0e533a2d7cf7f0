// One open WATCH response: newline-delimited JSON events (`ADDED`, `MODIFIED`, `DELETED`,
// `BOOKMARK`, `ERROR`), periodic bookmarks when the client allows them, and the faults tests
// inflict on it (stall: the connection stays open but nothing more is written; drop: the socket
// is destroyed; end: the response ends cleanly).

import type { ServerResponse } from 'node:http';
import { metadataOf, recordOfStrings, stringAtPath, type JsonObject } from './json.js';
import { groupVersion, type ResourceDef } from './resources.js';
import { selectionMatches, type Selection } from './selectors.js';
import { statusBody, type KubeStatus } from './status.js';
import type { StoreWatcher, WatchEventType } from './store.js';

export interface WatchStreamOptions {
  readonly resource: ResourceDef;
  readonly namespace: string | null;
  readonly selection: Selection;
  readonly response: ServerResponse;
  readonly path: string;
  readonly bookmarks: boolean;
  readonly bookmarkIntervalMs: number;
  readonly timeoutSeconds: number | null;
  readonly currentVersion: () => number;
  readonly onClose: (stream: WatchStream) => void;
}

export function objectMatches(sel: Selection, obj: JsonObject): boolean {
  return selectionMatches(sel, recordOfStrings(metadataOf(obj)['labels']), (p) => stringAtPath(obj, p));
}

export class WatchStream implements StoreWatcher {
  readonly resource: ResourceDef;
  readonly namespace: string | null;
  readonly path: string;
  private stalledFlag = false;
  private closedFlag = false;
  private eventsSent = 0;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: WatchStreamOptions) {
    this.resource = opts.resource;
    this.namespace = opts.namespace;
    this.path = opts.path;
    const res = opts.response;
    res.on('close', () => this.closed());
    if (opts.bookmarks) {
      const t = setInterval(() => this.bookmark(), opts.bookmarkIntervalMs);
      t.unref();
      this.timers.push(t);
    }
    if (opts.timeoutSeconds !== null && opts.timeoutSeconds > 0) {
      const t = setTimeout(() => this.end(), opts.timeoutSeconds * 1000);
      t.unref();
      this.timers.push(t);
    }
  }

  get stalled(): boolean {
    return this.stalledFlag;
  }

  get isOpen(): boolean {
    return !this.closedFlag;
  }

  /** Events written so far (bookmarks included). */
  get sent(): number {
    return this.eventsSent;
  }

  matches(obj: JsonObject): boolean {
    return objectMatches(this.opts.selection, obj);
  }

  deliver(type: WatchEventType, obj: JsonObject): void {
    this.write({ type, object: obj });
  }

  bookmark(): void {
    this.write({
      type: 'BOOKMARK',
      object: {
        apiVersion: groupVersion(this.resource),
        kind: this.resource.kind,
        metadata: { resourceVersion: String(this.opts.currentVersion()) },
      },
    });
  }

  /** Sends an `ERROR` event carrying a Status and ends the stream, as the apiserver does for 410. */
  fail(status: KubeStatus): void {
    this.write({ type: 'ERROR', object: statusBody(status) });
    this.end();
  }

  stall(): void {
    this.stalledFlag = true;
  }

  end(): void {
    if (this.closedFlag) return;
    this.opts.response.end();
    this.closed();
  }

  /** Destroys the socket under the response: the client sees a reset connection. */
  drop(): void {
    if (this.closedFlag) return;
    this.opts.response.socket?.destroy();
    this.opts.response.destroy();
    this.closed();
  }

  private write(event: JsonObject): void {
    if (this.stalledFlag || this.closedFlag) return;
    this.eventsSent += 1;
    this.opts.response.write(`${JSON.stringify(event)}\n`);
  }

  private closed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const t of this.timers) clearTimeout(t);
    this.opts.onClose(this);
  }
}
