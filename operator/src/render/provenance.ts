// Which resource field produced which part of a rendered document, so a problem or warning the
// proxy's validator reports at a JSON path is told to the resource that caused it.

export interface Owner {
  /** Resource key (`kind/namespace/name`). */
  readonly key: string;
  /** The field in that resource, e.g. `spec.routes[3]`. */
  readonly field: string;
}

export class Provenance {
  private readonly byPointer = new Map<string, Owner>();

  record(pointer: string, owner: Owner): void {
    this.byPointer.set(pointer, owner);
  }

  /** The owner recorded at `path` or at the nearest pointer above it; null for none (e.g. limits). */
  ownerOf(path: string): Owner | null {
    let p = path;
    for (;;) {
      const owner = this.byPointer.get(p);
      if (owner !== undefined) return owner;
      if (p === '') return null;
      p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
    }
  }
}
