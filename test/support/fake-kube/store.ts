// The fake apiserver's object store: one global, monotonically increasing resourceVersion, a
// bounded history of change events (for watches that resume from a version), and the write
// semantics of the apiserver: uid/creationTimestamp on create, optimistic concurrency on
// `metadata.resourceVersion`, the status subresource split and `metadata.generation`.

import { randomUUID } from 'node:crypto';
import { clone, isJsonObject, jsonEqual, metadataOf, stringField, type Json, type JsonObject } from './json.js';
import { alreadyExists, conflict, kubeStatus, notFound, type KubeStatus } from './status.js';
import { groupVersion, resourceKey, type ResourceDef } from './resources.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  readonly rv: number;
  readonly resource: string;
  readonly namespace: string;
  readonly type: WatchEventType;
  readonly object: JsonObject;
  /** The object before the change (null for ADDED), to compute selector transitions. */
  readonly previous: JsonObject | null;
}

export interface StoreWatcher {
  readonly resource: ResourceDef;
  /** null: all namespaces. */
  readonly namespace: string | null;
  matches(obj: JsonObject): boolean;
  deliver(type: WatchEventType, obj: JsonObject): void;
}

export type WriteResult = { ok: true; object: JsonObject; created: boolean; changed: boolean } | { ok: false; status: KubeStatus };

export type Subresource = 'status' | null;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Everything except metadata and status: what bumps `metadata.generation` when it changes. */
function specPart(obj: JsonObject): JsonObject {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function withoutResourceVersion(obj: JsonObject): JsonObject {
  const copy = clone(obj);
  delete metadataOf(copy)['resourceVersion'];
  return copy;
}

/** The visible event for a watcher whose selector may match the old and/or the new object. */
export function visibleEventType(type: WatchEventType, oldMatches: boolean, newMatches: boolean): WatchEventType | null {
  if (type === 'DELETED') return oldMatches ? 'DELETED' : null;
  if (type === 'ADDED') return newMatches ? 'ADDED' : null;
  if (oldMatches && newMatches) return 'MODIFIED';
  if (newMatches) return 'ADDED';
  if (oldMatches) return 'DELETED';
  return null;
}

export class ObjectStore {
  private rv = 0;
  /** Highest resourceVersion whose event is no longer in the history (a watch from before it gets 410). */
  private horizon = 0;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private history: ChangeEvent[] = [];
  private readonly watchers = new Set<StoreWatcher>();

  constructor(private readonly historyLimit: number) {
    // Start above 0 so that a resourceVersion is never "0", which means "any version" in a watch.
    this.rv = 100;
    this.horizon = 100;
  }

  currentVersion(): number {
    return this.rv;
  }

  oldestResumableVersion(): number {
    return this.horizon;
  }

  private bucket(def: ResourceDef): Map<string, JsonObject> {
    const key = resourceKey(def);
    let b = this.objects.get(key);
    if (b === undefined) {
      b = new Map();
      this.objects.set(key, b);
    }
    return b;
  }

  get(def: ResourceDef, namespace: string, name: string): JsonObject | undefined {
    const o = this.bucket(def).get(`${def.namespaced ? namespace : ''}/${name}`);
    return o === undefined ? undefined : clone(o);
  }

  /** Objects of one resource, in one namespace or all (null), sorted by namespace then name. */
  list(def: ResourceDef, namespace: string | null, filter: (obj: JsonObject) => boolean = () => true): JsonObject[] {
    const out: JsonObject[] = [];
    for (const [key, obj] of [...this.bucket(def).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const ns = key.slice(0, key.indexOf('/'));
      if (namespace !== null && def.namespaced && ns !== namespace) continue;
      if (filter(obj)) out.push(clone(obj));
    }
    return out;
  }

  subscribe(w: StoreWatcher): void {
    this.watchers.add(w);
  }

  unsubscribe(w: StoreWatcher): void {
    this.watchers.delete(w);
  }

  /**
   * Events of `def` after `since`, or 'expired' when part of that range was already evicted
   * from the bounded history.
   */
  eventsSince(def: ResourceDef, since: number): ChangeEvent[] | 'expired' {
    if (since < this.horizon) return 'expired';
    const key = resourceKey(def);
    return this.history.filter((e) => e.rv > since && e.resource === key);
  }

  /** Forgets the whole event history: every watch resuming from an older version gets 410. */
  compact(): void {
    this.history = [];
    this.horizon = this.rv;
  }

  private commit(def: ResourceDef, type: WatchEventType, next: JsonObject, previous: JsonObject | null): JsonObject {
    const meta = metadataOf(next);
    const ns = def.namespaced ? (stringField(meta, 'namespace') ?? '') : '';
    const name = stringField(meta, 'name') ?? '';
    const key = `${ns}/${name}`;
    this.rv += 1;
    if (type === 'DELETED') {
      // A deleted object is reported with the version of its deletion, as the apiserver does.
      meta['resourceVersion'] = String(this.rv);
      this.bucket(def).delete(key);
    } else {
      meta['resourceVersion'] = String(this.rv);
      this.bucket(def).set(key, clone(next));
    }
    const event: ChangeEvent = { rv: this.rv, resource: resourceKey(def), namespace: ns, type, object: clone(next), previous };
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const evicted = this.history.shift();
      if (evicted !== undefined) this.horizon = evicted.rv;
    }
    this.notify(def, event);
    return clone(next);
  }

  private notify(def: ResourceDef, event: ChangeEvent): void {
    const key = resourceKey(def);
    for (const w of [...this.watchers]) {
      if (resourceKey(w.resource) !== key) continue;
      if (w.namespace !== null && def.namespaced && w.namespace !== event.namespace) continue;
      const type = visibleEventType(event.type, event.previous !== null && w.matches(event.previous), w.matches(event.object));
      if (type !== null) w.deliver(type, clone(event.object));
    }
  }

  private checkIdentity(def: ResourceDef, namespace: string, name: string, body: JsonObject): KubeStatus | null {
    const meta = metadataOf(body);
    const bodyName = stringField(meta, 'name');
    if (bodyName !== undefined && bodyName !== name) {
      return kubeStatus(400, `the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    const bodyNs = stringField(meta, 'namespace');
    if (def.namespaced && bodyNs !== undefined && bodyNs !== '' && bodyNs !== namespace) {
      return kubeStatus(400, `the namespace of the provided object does not match the namespace sent on the request`);
    }
    const apiVersion = stringField(body, 'apiVersion');
    const kind = stringField(body, 'kind');
    if ((apiVersion !== undefined && apiVersion !== groupVersion(def)) || (kind !== undefined && kind !== def.kind)) {
      return kubeStatus(400, `the API version in the data (${apiVersion ?? ''}) and kind (${kind ?? ''}) do not match ${groupVersion(def)} ${def.kind}`);
    }
    return null;
  }

  create(def: ResourceDef, namespace: string, input: JsonObject): WriteResult {
    const body = clone(input);
    const meta = metadataOf(body);
    let name = stringField(meta, 'name');
    const generateName = stringField(meta, 'generateName');
    if ((name === undefined || name === '') && generateName !== undefined) {
      name = `${generateName}${randomUUID().slice(0, 5)}`;
    }
    if (name === undefined || name === '') {
      return { ok: false, status: kubeStatus(422, `${def.kind} is invalid: metadata.name: Required value: name or generateName is required`) };
    }
    if (!NAME.test(name) || name.length > 253) {
      return { ok: false, status: kubeStatus(422, `${def.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`) };
    }
    const identity = this.checkIdentity(def, namespace, name, body);
    if (identity !== null) return { ok: false, status: identity };
    if (this.get(def, namespace, name) !== undefined) return { ok: false, status: alreadyExists(def.plural, name, def.group) };
    body['apiVersion'] = groupVersion(def);
    body['kind'] = def.kind;
    meta['name'] = name;
    if (def.namespaced) meta['namespace'] = namespace;
    else delete meta['namespace'];
    meta['uid'] = randomUUID();
    meta['creationTimestamp'] = now();
    delete meta['resourceVersion'];
    delete meta['deletionTimestamp'];
    if (def.generation) meta['generation'] = 1;
    else delete meta['generation'];
    // With a status subresource, a create never sets status (the apiserver resets it).
    if (def.statusSubresource) delete body['status'];
    return { ok: true, object: this.commit(def, 'ADDED', body, null), created: true, changed: true };
  }

  /**
   * Writes `candidate` over the live object following the apiserver's rules for the main
   * resource or the status subresource. `candidate.metadata.resourceVersion`, when set, must
   * equal the live one.
   */
  update(def: ResourceDef, namespace: string, name: string, candidateInput: JsonObject, subresource: Subresource): WriteResult {
    const live = this.get(def, namespace, name);
    if (live === undefined) return { ok: false, status: notFound(def.plural, name, def.group) };
    if (subresource === 'status' && !def.statusSubresource) return { ok: false, status: notFound(`${def.plural}/status`, name, def.group) };
    const candidate = clone(candidateInput);
    const identity = this.checkIdentity(def, namespace, name, candidate);
    if (identity !== null) return { ok: false, status: identity };
    const liveMeta = metadataOf(live);
    const wantedRv = stringField(metadataOf(candidate), 'resourceVersion');
    if (wantedRv !== undefined && wantedRv !== '' && wantedRv !== stringField(liveMeta, 'resourceVersion')) {
      return { ok: false, status: conflict(def.plural, name, def.group) };
    }
    let next: JsonObject;
    if (subresource === 'status') {
      next = clone(live);
      if (candidate['status'] === undefined) delete next['status'];
      else next['status'] = candidate['status'];
    } else {
      next = candidate;
      if (def.statusSubresource) {
        if (live['status'] === undefined) delete next['status'];
        else next['status'] = live['status'] as Json;
      }
    }
    next['apiVersion'] = groupVersion(def);
    next['kind'] = def.kind;
    const meta = metadataOf(next);
    // System fields are the server's, whatever the client sent.
    meta['name'] = name;
    if (def.namespaced) meta['namespace'] = namespace;
    for (const k of ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp']) {
      const v = liveMeta[k];
      if (v === undefined) delete meta[k];
      else meta[k] = v;
    }
    if (def.generation && !jsonEqual(specPart(live), specPart(next))) {
      meta['generation'] = (typeof liveMeta['generation'] === 'number' ? liveMeta['generation'] : 0) + 1;
    }
    meta['resourceVersion'] = liveMeta['resourceVersion'] ?? '';
    if (jsonEqual(withoutResourceVersion(live), withoutResourceVersion(next))) {
      // A no-op write: no new version, no watch event (as the apiserver does).
      return { ok: true, object: live, created: false, changed: false };
    }
    return { ok: true, object: this.commit(def, 'MODIFIED', next, live), created: false, changed: true };
  }

  delete(def: ResourceDef, namespace: string, name: string, preconditions?: { uid?: string; resourceVersion?: string }): WriteResult {
    const live = this.get(def, namespace, name);
    if (live === undefined) return { ok: false, status: notFound(def.plural, name, def.group) };
    const meta = metadataOf(live);
    if (preconditions?.uid !== undefined && preconditions.uid !== stringField(meta, 'uid')) {
      return { ok: false, status: kubeStatus(409, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${stringField(meta, 'uid') ?? ''}`, 'Conflict') };
    }
    if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== stringField(meta, 'resourceVersion')) {
      return { ok: false, status: conflict(def.plural, name, def.group) };
    }
    return { ok: true, object: this.commit(def, 'DELETED', live, live), created: false, changed: true };
  }

  /**
   * Test helper: creates or replaces an object as given, status included (bypassing the status
   * subresource split), keeping uid and creationTimestamp of an existing one.
   */
  put(def: ResourceDef, input: JsonObject): JsonObject {
    const body = clone(input);
    const meta = metadataOf(body);
    const name = stringField(meta, 'name');
    if (name === undefined) throw new Error('put: metadata.name is required');
    const namespace = def.namespaced ? (stringField(meta, 'namespace') ?? 'default') : '';
    delete meta['resourceVersion'];
    const written = this.get(def, namespace, name) === undefined
      ? this.create(def, namespace, body)
      : this.update(def, namespace, name, body, null);
    if (!written.ok) throw new Error(`put: ${written.status.message}`);
    if (!def.statusSubresource) return written.object;
    const withStatus = clone(written.object);
    if (body['status'] === undefined) delete withStatus['status'];
    else withStatus['status'] = body['status'];
    const st = this.update(def, namespace, name, withStatus, 'status');
    if (!st.ok) throw new Error(`put: ${st.status.message}`);
    return st.object;
  }

  /** True when `value` is a stored object shape (an object with metadata.name). */
  static isObject(value: Json | undefined): value is JsonObject {
    return isJsonObject(value) && isJsonObject(value['metadata']) && typeof value['metadata']['name'] === 'string';
  }
}
