// The order status writes go out in. One entry per object (a newer status replaces the queued
// one and keeps its place in line), and:
//   1. urgent entries first: the status describes a new generation (the object was created or
//      edited) or a condition changed state (Programmed False -> True); figures that merely
//      moved (pool sizes, hit counts) wait until no urgent write is due;
//   2. among urgent entries, "waves" are served round-robin: a wave is the reconcile pass in
//      which the object's current generation was first seen, so one edit is never stuck behind
//      a bulk apply of a thousand resources seen in an earlier pass; within a wave, oldest first;
//   3. an entry is not due before its `notBefore` (per-item backoff after a failure).
// Pure and synchronous: the writer owns the clock and the network.

export interface QueueEntry<T> {
  readonly key: string;
  value: T;
  urgent: boolean;
  wave: number;
  notBefore: number;
  /** Place in line: kept when the value is replaced. */
  readonly seq: number;
}

export interface QueuePlacement {
  readonly urgent: boolean;
  readonly wave: number;
  readonly notBefore: number;
}

export class StatusQueue<T> {
  private readonly entries = new Map<string, QueueEntry<T>>();
  private nextSeq = 0;
  private lastWave = Number.NEGATIVE_INFINITY;

  get size(): number {
    return this.entries.size;
  }

  get(key: string): QueueEntry<T> | undefined {
    return this.entries.get(key);
  }

  /** Queues `value` for `key`, replacing what was queued for it (which keeps its place in line). */
  put(key: string, value: T, placement: QueuePlacement): void {
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      existing.value = value;
      existing.urgent = placement.urgent;
      existing.wave = placement.wave;
      existing.notBefore = placement.notBefore;
      return;
    }
    this.entries.set(key, { key, value, ...placement, seq: this.nextSeq++ });
  }

  /** Puts an entry taken out by next() back where it was (its write failed). */
  restore(entry: QueueEntry<T>, notBefore: number): void {
    if (this.entries.has(entry.key)) return;
    this.entries.set(entry.key, { ...entry, notBefore });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * Takes the next entry due at `now` out of the queue, or returns how many ms until one is due
   * (Infinity when the queue is empty). Nothing is due before `pausedUntil`.
   */
  next(now: number, pausedUntil = 0): QueueEntry<T> | number {
    if (pausedUntil > now) return this.entries.size === 0 ? Number.POSITIVE_INFINITY : pausedUntil - now;
    let soonest = Number.POSITIVE_INFINITY;
    // The urgent entry to serve from each wave (oldest due), and the oldest due figures-only entry.
    const waves = new Map<number, QueueEntry<T>>();
    let figures: QueueEntry<T> | undefined;
    for (const e of this.entries.values()) {
      if (e.notBefore > now) {
        soonest = Math.min(soonest, e.notBefore - now);
        continue;
      }
      if (e.urgent) {
        const best = waves.get(e.wave);
        if (best === undefined || e.seq < best.seq) waves.set(e.wave, e);
      } else if (figures === undefined || e.seq < figures.seq) {
        figures = e;
      }
    }
    let picked: QueueEntry<T> | undefined;
    if (waves.size > 0) {
      const order = [...waves.keys()].sort((a, b) => a - b);
      const wave = order.find((w) => w > this.lastWave) ?? order[0];
      if (wave !== undefined) {
        this.lastWave = wave;
        picked = waves.get(wave);
      }
    }
    picked ??= figures;
    if (picked === undefined) return soonest;
    this.entries.delete(picked.key);
    return picked;
  }
}
