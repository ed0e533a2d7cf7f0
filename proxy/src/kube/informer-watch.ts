// The `Watch` that ResilientInformer hands to client-node's ListWatch. ListWatch (1.4.0) calls
// `watch()` to open each watch and treats its `done` callback as "the watch ended: resume,
// relist (on 410) or stop (on any other error)". This subclass sits in between so that the
// informer can
//   - see every event and bookmark (for the silence watchdog and the counters),
//   - ask for bookmarks and a server-side timeout on each watch,
//   - end the current watch on purpose and tell ListWatch to resume or relist,
//   - decide when ListWatch hears about an ended watch (backoff on rapid clean closes),
//   - and keep the aborts ListWatch itself causes (`stop()`, restarts) from reaching ListWatch
//     as errors: in 1.4.0 an aborted watch reports an AbortError through `done`, which would
//     fire `error` and, worse, re-enter ListWatch while a newer watch is already open.

import { Watch, type KubeConfig } from '@kubernetes/client-node';

export type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;
export type WatchDone = (err: unknown) => void;

/** What the informer decides for each watch ListWatch wants to open. */
export type WatchDecision = 'watch' | 'relist' | 'skip';

export interface ActiveWatch {
  readonly openedAt: number;
  /** ADDED/MODIFIED/DELETED/BOOKMARK events received. */
  readonly events: number;
  /** An ERROR event with code 410 arrived (ListWatch relists when the stream ends). */
  readonly expired: boolean;
}

export interface WatchOwner {
  /** Called when ListWatch is about to open a watch. */
  beforeWatch(): WatchDecision;
  /** Query parameters added to every watch (allowWatchBookmarks, timeoutSeconds). */
  watchQuery(): Record<string, string>;
  opened(): void;
  event(phase: string): void;
  /** The server or the network ended the watch; `deliver` passes the outcome on to ListWatch. */
  ended(err: unknown, watch: ActiveWatch, deliver: (err: unknown) => void): void;
  /** Runs `fn` soon, outside the caller's stack. */
  later(fn: () => void): void;
}

/** Tells ListWatch to forget its resourceVersion and relist, as after a 410 Gone. */
export function relistSignal(): Error & { statusCode: number } {
  return Object.assign(new Error('relist'), { statusCode: 410 });
}

function abortedController(): AbortController {
  const c = new AbortController();
  c.abort();
  return c;
}

/**
 * Calls ListWatch's `done`. It is ListWatch's async `doneHandler`; a rejection there must not
 * become an unhandled rejection that ends the process.
 */
function callDone(done: WatchDone, err: unknown): void {
  const result = done(err) as unknown;
  if (result instanceof Promise) result.catch(() => undefined);
}

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'name' in err && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

class Active implements ActiveWatch {
  readonly openedAt = Date.now();
  events = 0;
  expired = false;
  settled = false;
  controller: AbortController | undefined;
  constructor(readonly done: WatchDone) {}
}

export class InformerWatch extends Watch {
  private current: Active | null = null;

  constructor(config: KubeConfig, private readonly owner: WatchOwner) {
    super(config);
  }

  get watching(): boolean {
    return this.current !== null;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: WatchDone,
  ): Promise<AbortController> {
    // At most one live watch: ListWatch can start a second one if it is restarted while a list
    // is in flight; the older one is closed here, silently.
    this.abandon();
    const decision = this.owner.beforeWatch();
    if (decision === 'skip') return abortedController();
    if (decision === 'relist') {
      this.owner.later(() => callDone(done, relistSignal()));
      return abortedController();
    }
    const active = new Active(done);
    this.current = active;
    const onEvent: WatchCallback = (phase, obj, raw) => {
      if (active.settled) return;
      if (phase === 'ERROR') {
        const code = typeof obj === 'object' && obj !== null && 'code' in obj ? obj.code : undefined;
        if (code === 410) active.expired = true;
      } else {
        active.events += 1;
      }
      this.owner.event(phase);
      callback(phase, obj, raw);
    };
    const onDone: WatchDone = (err) => {
      if (active.settled) return;
      active.settled = true;
      if (this.current === active) this.current = null;
      if (isAbort(err)) return;
      this.owner.ended(err, active, (outcome) => callDone(done, outcome));
    };
    this.owner.opened();
    try {
      const controller = await super.watch(path, { ...queryParams, ...this.owner.watchQuery() }, onEvent, onDone);
      active.controller = controller;
      if (active.settled) controller.abort();
      return controller;
    } catch (err) {
      // Thrown before any request was made (no current cluster, credentials that cannot be loaded).
      onDone(err);
      return abortedController();
    }
  }

  /**
   * Ends the current watch now and tells ListWatch `outcome`: null to resume from its
   * resourceVersion, `relistSignal()` to relist. False when no watch is open.
   */
  interrupt(outcome: Error | null): boolean {
    const active = this.current;
    if (active === null || active.settled) return false;
    active.settled = true;
    this.current = null;
    active.controller?.abort();
    callDone(active.done, outcome);
    return true;
  }

  /** Closes the current watch without telling ListWatch (the informer is stopping). */
  abandon(): void {
    const active = this.current;
    if (active === null) return;
    active.settled = true;
    this.current = null;
    active.controller?.abort();
  }
}
