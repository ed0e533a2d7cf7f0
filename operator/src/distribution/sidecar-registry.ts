// The sidecars this replica hears from: each long-poll says which pod is asking (from its
// TokenReview), the config hash its proxy runs and its admin port. A sidecar is live while a
// poll of it is open or for `staleAfterMs` after its last one ended (it re-polls at once, or
// after a short back-off when the operator was away). Status counts these instead of polling
// every application pod: thousands of sidecars cost no extra requests.

export interface SidecarEntry {
  /** The pod uid (or `<user>@<address>` for a token not bound to a pod). */
  readonly key: string;
  readonly namespace: string;
  readonly pod: string;
  /** Address the poll came from: the pod IP in a cluster. */
  readonly ip: string;
  readonly adminPort: number | null;
  /** sha256 of the document the proxy runs; '' when it runs none yet. */
  readonly runningHash: string;
  /** Epoch ms of the last poll start or end. */
  readonly lastSeen: number;
  /** Polls of this sidecar open now on this replica. */
  readonly open: number;
}

export interface SidecarPoll {
  readonly key: string;
  readonly namespace: string;
  readonly pod: string;
  readonly ip: string;
  readonly adminPort: number | null;
  readonly runningHash: string;
}

export class SidecarRegistry {
  private readonly entries = new Map<string, SidecarEntry>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly staleAfterMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A poll started; returns the function to call when it ends. */
  opened(poll: SidecarPoll): () => void {
    const before = this.entries.get(poll.key);
    this.entries.set(poll.key, { ...poll, lastSeen: this.now(), open: (before?.open ?? 0) + 1 });
    if (before === undefined || before.runningHash !== poll.runningHash || !this.isLive(before)) this.changed();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const e = this.entries.get(poll.key);
      if (e !== undefined) this.entries.set(poll.key, { ...e, open: Math.max(0, e.open - 1), lastSeen: this.now() });
    };
  }

  /** Live sidecars, sorted by key; stale ones are forgotten. */
  live(): SidecarEntry[] {
    const out: SidecarEntry[] = [];
    for (const [key, e] of this.entries) {
      if (this.isLive(e)) out.push(e);
      else this.entries.delete(key);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Called when a sidecar appears or reports another hash (status may change). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private isLive(e: SidecarEntry): boolean {
    return e.open > 0 || this.now() - e.lastSeen < this.staleAfterMs;
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** One entry per sidecar from several replicas' lists: the most recently seen wins. */
export function mergeSidecars(lists: readonly (readonly SidecarEntry[])[]): SidecarEntry[] {
  const byKey = new Map<string, SidecarEntry>();
  for (const list of lists) {
    for (const e of list) {
      const have = byKey.get(e.key);
      if (have === undefined || e.open > have.open || (e.open === have.open && e.lastSeen > have.lastSeen)) byKey.set(e.key, e);
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
