// A fake Kubernetes API server on a real `node:http` socket, for every test of the operator and
// of the proxy's ConfigMap source. It implements what those clients use (discovery, CRUD, the
// four patch types, the status subresource, LIST and WATCH with resourceVersions, selectors and
// bookmarks) and lets tests inflict faults (failed requests, dropped, ended, stalled and expired
// watches, the server going away and coming back on the same port) and read every request.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultPlan, type ActiveFailure, type FailureRule, type Verb } from './faults.js';
import { isJsonObject, metadataOf, stringField, type Json, type JsonObject } from './json.js';
import { APPLY_PATCH, applyConfiguration, applyJsonPatch, applyMergePatch, CUSTOM_RESOURCE_PATCH_TYPES, JSON_PATCH, parseApplyBody, STRATEGIC_MERGE_PATCH } from './patches.js';
import { parsePath, type ResourceTarget } from './paths.js';
import { recordMatches, WRITE_VERBS, type RequestFilter, type RequestRecord } from './request-log.js';
import { crdResource, groupVersion, ResourceRegistry, type CrdRegistration, type ResourceDef } from './resources.js';
import { parseSelection, type Selection } from './selectors.js';
import { expired, kubeStatus, notFound, reasonFor, statusBody, successStatus, type KubeStatus } from './status.js';
import { ObjectStore, visibleEventType, type WriteResult } from './store.js';
import { objectMatches, WatchStream } from './watch-stream.js';
import { fakeKubeConfig, writeFakeKubeconfig } from './kubeconfig.js';
import { admitPod, type AdmissionCall } from './admission.js';
import { TokenAuthority, type TokenGrant } from './token-review.js';
import type { KubeConfig } from '@kubernetes/client-node';

export interface FakeKubeOptions {
  /** Port to listen on (default 0: any free port). */
  readonly port?: number;
  /** Bookmark period for watches that allow bookmarks (default 1000 ms). */
  readonly bookmarkIntervalMs?: number;
  /** Change events kept for watches resuming from a version (default 1000). */
  readonly historyLimit?: number;
  /** How a watch from a too-old version is refused (default 'event': 200 + ERROR 410, as the apiserver). */
  readonly expiredWatch?: 'event' | 'http';
  /** Custom resources to serve; default: the jussi CRDs. */
  readonly crds?: readonly CrdRegistration[];
}

export const JUSSI_CRDS: readonly CrdRegistration[] = [
  { group: 'jussi.io', version: 'v1alpha1', kind: 'JsonRpcUpstream', plural: 'jsonrpcupstreams', shortNames: ['jru'] },
  { group: 'jussi.io', version: 'v1alpha1', kind: 'CacheRule', plural: 'cacherules', shortNames: ['jcr'] },
  { group: 'jussi.io', version: 'v1alpha1', kind: 'RateLimitPolicy', plural: 'ratelimitpolicies', shortNames: ['jrl'] },
];

export interface WatchFilter {
  /** Substring of the watch path (e.g. `configmaps`), or a pattern. */
  readonly path?: string | RegExp;
}

const MAX_BODY = 3 * 1024 * 1024;

function mediaType(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return null;
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}

function toJson(value: unknown): JsonObject {
  // Accepts client-node model instances too (Dates become strings, as on the wire).
  const parsed: unknown = JSON.parse(JSON.stringify(value));
  if (!isJsonObject(parsed as Json)) throw new Error('expected a Kubernetes object');
  return parsed as JsonObject;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function verbOf(method: string, target: ResourceTarget | null, query: URLSearchParams): Verb | 'unknown' {
  if (target === null) return method === 'GET' ? 'discovery' : 'unknown';
  const watch = query.get('watch');
  switch (method) {
    case 'GET':
      if (target.name !== null) return 'get';
      return watch === 'true' || watch === '1' ? 'watch' : 'list';
    case 'POST': return target.name === null ? 'create' : 'unknown';
    case 'PUT': return target.name !== null ? 'update' : 'unknown';
    case 'PATCH': return target.name !== null ? 'patch' : 'unknown';
    case 'DELETE': return target.name !== null ? 'delete' : 'unknown';
    default: return 'unknown';
  }
}

export class FakeKube {
  readonly registry: ResourceRegistry;
  readonly faults = new FaultPlan();
  private readonly store: ObjectStore;
  private readonly log: RequestRecord[] = [];
  private readonly watches = new Set<WatchStream>();
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private listeningPort = 0;
  private up = false;
  private readonly bookmarkIntervalMs: number;
  private readonly expiredWatch: 'event' | 'http';
  private readonly tokens = new TokenAuthority();
  private readonly admissionLog: AdmissionCall[] = [];

  private constructor(options: FakeKubeOptions) {
    this.registry = new ResourceRegistry();
    for (const crd of options.crds ?? JUSSI_CRDS) this.registry.add(crdResource(crd));
    this.store = new ObjectStore(options.historyLimit ?? 1000);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
    this.expiredWatch = options.expiredWatch ?? 'event';
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.sendStatus(res, kubeStatus(500, `fake apiserver error: ${String(err)}`));
        else res.destroy();
      });
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: FakeKubeOptions = {}): Promise<FakeKube> {
    const fake = new FakeKube(options);
    await fake.listen(options.port ?? 0);
    return fake;
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.listeningPort}`;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** A client configuration for this server (current context namespace `namespace`). */
  kubeConfig(namespace = 'default'): KubeConfig {
    return fakeKubeConfig(this.url, namespace);
  }

  /** Writes a kubeconfig file for this server (for code that reads KUBECONFIG). */
  writeKubeconfig(path: string, namespace = 'default'): Promise<void> {
    return writeFakeKubeconfig(path, this.url, namespace);
  }

  // --- resources and objects ------------------------------------------------------------------

  registerCrd(reg: CrdRegistration): void {
    this.registry.add(crdResource(reg));
  }

  resourceFor(apiVersion: string, kind: string): ResourceDef {
    const def = this.registry.all().find((d) => groupVersion(d) === apiVersion && d.kind === kind);
    if (def === undefined) throw new Error(`fake apiserver: no resource for ${apiVersion} ${kind}`);
    return def;
  }

  /** Creates or replaces an object directly in the store (status included); watchers see it. */
  put(obj: object): JsonObject {
    const json = toJson(obj);
    const def = this.resourceFor(stringField(json, 'apiVersion') ?? '', stringField(json, 'kind') ?? '');
    return this.store.put(def, json);
  }

  get(apiVersion: string, kind: string, namespace: string, name: string): JsonObject | undefined {
    return this.store.get(this.resourceFor(apiVersion, kind), namespace, name);
  }

  list(apiVersion: string, kind: string, namespace: string | null = null): JsonObject[] {
    return this.store.list(this.resourceFor(apiVersion, kind), namespace);
  }

  /** Deletes an object directly; false when it did not exist. */
  remove(apiVersion: string, kind: string, namespace: string, name: string): boolean {
    return this.store.delete(this.resourceFor(apiVersion, kind), namespace, name).ok;
  }

  /** A Pod as the operator's discovery sees it: labels, IP, readiness, annotations. */
  putPod(pod: {
    name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string>;
    podIP?: string; ready?: boolean; phase?: string;
  }): JsonObject {
    const status: JsonObject = {
      phase: pod.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: pod.ready === false ? 'False' : 'True' }],
    };
    if (pod.podIP !== undefined) status['podIP'] = pod.podIP;
    return this.put({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels ?? {}, annotations: pod.annotations ?? {} },
      spec: { containers: [{ name: 'proxy', image: 'jussi:test' }] },
      status,
    });
  }

  /** The current global resourceVersion. */
  resourceVersion(): number {
    return this.store.currentVersion();
  }

  /** Forgets the event history: watches resuming from an older version are refused with 410. */
  compactHistory(): void {
    this.store.compact();
  }

  // --- service-account tokens and admission ----------------------------------------------------

  /** A service-account token as the kubelet projects it (audience-bound, optionally pod-bound). */
  issueToken(grant: TokenGrant): string {
    return this.tokens.issue(grant);
  }

  revokeToken(token: string): void {
    this.tokens.revoke(token);
  }

  /** TokenReviews answered so far. */
  get tokenReviewCount(): number {
    return this.tokens.reviews;
  }

  /** Every mutating webhook considered for a pod creation, in order. */
  admissionCalls(): AdmissionCall[] {
    return [...this.admissionLog];
  }

  /**
   * Creates an object as a client's POST would, admission included; `warnings` are what the API
   * server would send as Warning headers.
   */
  async create(obj: object, options: { dryRun?: boolean } = {}): Promise<{ ok: true; object: JsonObject; warnings: readonly string[] } | { ok: false; status: KubeStatus }> {
    const json = toJson(obj);
    const def = this.resourceFor(stringField(json, 'apiVersion') ?? '', stringField(json, 'kind') ?? '');
    const namespace = stringField(metadataOf(json), 'namespace') ?? '';
    const admitted = await this.admit(def, namespace, json, options.dryRun === true);
    if (!admitted.ok) return admitted;
    if (options.dryRun === true) return { ok: true, object: admitted.object, warnings: admitted.warnings };
    const result = this.store.create(def, namespace, admitted.object);
    return result.ok ? { ok: true, object: result.object, warnings: admitted.warnings } : { ok: false, status: result.status };
  }

  private async admit(def: ResourceDef, namespace: string, object: JsonObject, dryRun: boolean): Promise<{ ok: true; object: JsonObject; warnings: readonly string[] } | { ok: false; status: KubeStatus }> {
    if (def.group !== '' || def.kind !== 'Pod') return { ok: true, object, warnings: [] };
    const configurations = this.store.list(this.resourceFor('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'), null);
    if (configurations.length === 0) return { ok: true, object, warnings: [] };
    const ns = this.store.get(this.resourceFor('v1', 'Namespace'), '', namespace);
    const nsLabels: Record<string, string> = {};
    const labels = ns === undefined ? undefined : metadataOf(ns)['labels'];
    if (isJsonObject(labels ?? null)) for (const [k, v] of Object.entries(labels as JsonObject)) if (typeof v === 'string') nsLabels[k] = v;
    return admitPod({ configurations, namespace, namespaceLabels: nsLabels, object, dryRun, calls: this.admissionLog });
  }

  // --- faults ---------------------------------------------------------------------------------

  failNext(rule: FailureRule): void {
    this.faults.failNext(rule);
  }

  openWatches(filter: WatchFilter = {}): WatchStream[] {
    return [...this.watches].filter((w) => w.isOpen && (filter.path === undefined
      || (typeof filter.path === 'string' ? w.path.includes(filter.path) : filter.path.test(w.path))));
  }

  /** Destroys the sockets of matching open watches (the client sees a reset); returns how many. */
  dropWatches(filter: WatchFilter = {}): number {
    const ws = this.openWatches(filter);
    for (const w of ws) w.drop();
    return ws.length;
  }

  /** Ends matching open watches cleanly, as the apiserver does when a watch times out. */
  endWatches(filter: WatchFilter = {}): number {
    const ws = this.openWatches(filter);
    for (const w of ws) w.end();
    return ws.length;
  }

  /** Matching open watches stay connected but receive nothing more (no events, no bookmarks). */
  stallWatches(filter: WatchFilter = {}): number {
    const ws = this.openWatches(filter).filter((w) => !w.stalled);
    for (const w of ws) w.stall();
    return ws.length;
  }

  /** Sends `ERROR` 410 Expired to matching open watches and ends them. */
  expireWatches(filter: WatchFilter = {}): number {
    const ws = this.openWatches(filter);
    for (const w of ws) w.fail(expired('0', this.store.currentVersion()));
    return ws.length;
  }

  /** Makes the server unreachable: the listener closes and every connection is destroyed. */
  async goDown(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    for (const w of [...this.watches]) w.drop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port (the store is kept). */
  async comeUp(): Promise<void> {
    if (this.up) return;
    await this.listen(this.listeningPort);
  }

  async close(): Promise<void> {
    this.faults.clear();
    await this.goDown();
  }

  // --- inspection -----------------------------------------------------------------------------

  requests(filter: RequestFilter = {}): RequestRecord[] {
    return this.log.filter((r) => recordMatches(r, filter));
  }

  /** Requests that change state (create, update, patch, delete), optionally filtered further. */
  writes(filter: Omit<RequestFilter, 'verb'> = {}): RequestRecord[] {
    return this.requests({ ...filter, verb: WRITE_VERBS });
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  // --- HTTP -----------------------------------------------------------------------------------

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.listeningPort = (this.server.address() as AddressInfo).port;
        this.up = true;
        resolve();
      });
    });
  }

  private send(res: ServerResponse, code: number, body: JsonObject, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private sendStatus(res: ServerResponse, s: KubeStatus, headers: Record<string, string> = {}): void {
    this.send(res, s.code, statusBody(s), headers);
  }

  private sendFailure(res: ServerResponse, f: ActiveFailure & { status: number }, path: string): void {
    const headers: Record<string, string> = {};
    if (f.retryAfterSeconds !== undefined) headers['retry-after'] = String(f.retryAfterSeconds);
    const message = f.message ?? (f.status === 410 ? `too old resource version` : `injected ${f.status} ${reasonFor(f.status)} for ${path}`);
    const details: JsonObject | undefined = f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : undefined;
    this.sendStatus(res, kubeStatus(f.status, message, reasonFor(f.status), details), headers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const bodyText = await readBody(req);
    const pathTarget = parsePath(this.registry, url.pathname);
    const target = pathTarget.kind === 'resource' ? pathTarget.target : null;
    const verb = pathTarget.kind === 'unknown' ? 'unknown' : verbOf(method, target, url.searchParams);
    const contentType = mediaType(req.headers['content-type']);
    let body: unknown;
    if (bodyText !== null && bodyText !== '') {
      if (contentType === APPLY_PATCH) {
        const parsed = parseApplyBody(bodyText);
        body = parsed.ok ? parsed.value : bodyText;
      } else {
        try {
          body = JSON.parse(bodyText);
        } catch {
          body = bodyText;
        }
      }
    }
    const record: RequestRecord = {
      seq: this.log.length + 1, at: Date.now(), method, verb, path: url.pathname, query: Object.fromEntries(url.searchParams),
      contentType, body, bodyText: bodyText ?? '', subresource: target?.subresource ?? null,
      authorization: req.headers.authorization ?? null, status: 0,
    };
    this.log.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    if (bodyText === null) {
      record.status = 413;
      this.sendStatus(res, kubeStatus(413, 'request body too large'));
      return;
    }
    if (verb !== 'unknown') {
      const failure = this.faults.take(verb, url.pathname);
      if (failure !== undefined) {
        const status = failure.status;
        if (status === 'hang') {
          // Never answered; the socket is destroyed when the client gives up or the server goes down.
          return;
        }
        record.status = status;
        if (verb === 'watch' && failure.watchAs === 'event' && target !== null) {
          this.startWatch(res, target, url, record, { ...failure, status });
        } else {
          this.sendFailure(res, { ...failure, status }, url.pathname);
        }
        return;
      }
    }
    if (pathTarget.kind === 'discovery') {
      this.serveDiscovery(res, pathTarget.document, pathTarget.group, pathTarget.version);
      return;
    }
    if (target === null || verb === 'unknown' || verb === 'discovery') {
      this.sendStatus(res, kubeStatus(404, `the server could not find the requested resource (${method} ${url.pathname})`));
      return;
    }
    if (target.subresource !== null && (target.subresource !== 'status' || !target.def.statusSubresource)) {
      this.sendStatus(res, kubeStatus(404, `the server could not find the requested resource (${target.def.plural}/${target.subresource})`));
      return;
    }
    switch (verb) {
      case 'list': this.serveList(res, target, url); return;
      case 'watch': record.status = 200; this.startWatch(res, target, url, record, undefined); return;
      case 'get': this.serveGet(res, target); return;
      case 'create': await this.serveCreate(res, target, body, url); return;
      case 'update': this.serveUpdate(res, target, body); return;
      case 'patch': this.servePatch(res, target, contentType, body, bodyText, url); return;
      case 'delete': this.serveDelete(res, target, body); return;
    }
  }

  private serveDiscovery(res: ServerResponse, document: 'api' | 'apis' | 'version' | 'group' | 'resources', group: string, version: string): void {
    let doc: JsonObject | undefined;
    switch (document) {
      case 'api': doc = this.registry.apiVersions(); break;
      case 'apis': doc = this.registry.apiGroupList(); break;
      case 'version': doc = { major: '1', minor: '34', gitVersion: 'v1.34.0-fake', platform: 'linux/amd64' }; break;
      case 'group': doc = this.registry.apiGroup(group); break;
      case 'resources': doc = this.registry.resourceList(group, version); break;
    }
    if (doc === undefined) this.sendStatus(res, kubeStatus(404, 'the server could not find the requested resource'));
    else this.send(res, 200, doc);
  }

  private selection(def: ResourceDef, url: URL): { ok: true; value: Selection } | { ok: false; status: KubeStatus } {
    const parsed = parseSelection(url.searchParams.get('labelSelector') ?? undefined, url.searchParams.get('fieldSelector') ?? undefined, def.selectableFields);
    return parsed.ok ? parsed : { ok: false, status: kubeStatus(400, parsed.message) };
  }

  private serveList(res: ServerResponse, target: ResourceTarget, url: URL): void {
    const sel = this.selection(target.def, url);
    if (!sel.ok) {
      this.sendStatus(res, sel.status);
      return;
    }
    const items = this.store.list(target.def, target.namespace, (o) => objectMatches(sel.value, o)).map((o) => {
      // Like the apiserver, lists of built-in types carry kind and apiVersion only on the list.
      if (!target.def.custom) {
        delete o['kind'];
        delete o['apiVersion'];
      }
      return o;
    });
    this.send(res, 200, {
      kind: `${target.def.kind}List`, apiVersion: groupVersion(target.def),
      metadata: { resourceVersion: String(this.store.currentVersion()) }, items,
    });
  }

  private startWatch(res: ServerResponse, target: ResourceTarget, url: URL, record: RequestRecord, failure: (ActiveFailure & { status: number }) | undefined): void {
    const sel = this.selection(target.def, url);
    if (!sel.ok) {
      record.status = sel.status.code;
      this.sendStatus(res, sel.status);
      return;
    }
    const rvParam = url.searchParams.get('resourceVersion') ?? '';
    const timeoutParam = Number(url.searchParams.get('timeoutSeconds') ?? '');
    const stream = new WatchStream({
      resource: target.def,
      namespace: target.namespace,
      selection: sel.value,
      response: res,
      path: url.pathname,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      bookmarkIntervalMs: this.bookmarkIntervalMs,
      timeoutSeconds: Number.isFinite(timeoutParam) && timeoutParam > 0 ? timeoutParam : null,
      currentVersion: () => this.store.currentVersion(),
      onClose: (w) => {
        this.store.unsubscribe(w);
        this.watches.delete(w);
      },
    });
    // Everything below runs synchronously, so no change can slip between replay and subscribe.
    let initial: { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: JsonObject }[] = [];
    let expiredStatus: KubeStatus | null = failure === undefined ? null
      : kubeStatus(failure.status, failure.message ?? `injected ${failure.status}`, reasonFor(failure.status));
    if (expiredStatus === null) {
      if (rvParam === '' || rvParam === '0') {
        initial = this.store.list(target.def, target.namespace, (o) => stream.matches(o)).map((object) => ({ type: 'ADDED', object }));
      } else {
        const since = Number(rvParam);
        if (!Number.isInteger(since)) {
          record.status = 400;
          this.sendStatus(res, kubeStatus(400, `invalid resourceVersion "${rvParam}"`));
          return;
        }
        const events = this.store.eventsSince(target.def, since);
        if (events === 'expired') {
          expiredStatus = expired(rvParam, this.store.currentVersion());
          if (this.expiredWatch === 'http') {
            record.status = 410;
            this.sendStatus(res, expiredStatus);
            return;
          }
        } else {
          for (const e of events) {
            if (target.namespace !== null && target.def.namespaced && e.namespace !== target.namespace) continue;
            const type = visibleEventType(e.type, e.previous !== null && stream.matches(e.previous), stream.matches(e.object));
            if (type !== null) initial.push({ type, object: e.object });
          }
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    if (expiredStatus !== null) {
      stream.fail(expiredStatus);
      return;
    }
    this.watches.add(stream);
    for (const e of initial) stream.deliver(e.type, e.object);
    this.store.subscribe(stream);
  }

  private serveGet(res: ServerResponse, target: ResourceTarget): void {
    const obj = target.name === null ? undefined : this.store.get(target.def, target.namespace ?? '', target.name);
    if (obj === undefined) this.sendStatus(res, notFound(target.def.plural, target.name ?? '', target.def.group));
    else this.send(res, 200, obj);
  }

  private answerWrite(res: ServerResponse, result: WriteResult, okCode = 200): void {
    if (!result.ok) this.sendStatus(res, result.status);
    else this.send(res, result.created ? 201 : okCode, result.object);
  }

  private async serveCreate(res: ServerResponse, target: ResourceTarget, body: unknown, url: URL): Promise<void> {
    if (!isJsonObject(body as Json)) {
      this.sendStatus(res, kubeStatus(400, 'the request body must be a JSON object'));
      return;
    }
    if (target.def.namespaced && target.namespace === null) {
      this.sendStatus(res, kubeStatus(404, `the server could not find the requested resource: ${target.def.plural} needs a namespace`));
      return;
    }
    if (target.def.kind === 'TokenReview' && target.def.group === 'authentication.k8s.io') {
      const podDef = this.resourceFor('v1', 'Pod');
      this.send(res, 201, this.tokens.review(body as JsonObject, (ns, name) => {
        const pod = this.store.get(podDef, ns, name);
        return pod === undefined ? undefined : stringField(metadataOf(pod), 'uid');
      }));
      return;
    }
    const dryRun = url.searchParams.get('dryRun') === 'All';
    const admitted = await this.admit(target.def, target.namespace ?? '', body as JsonObject, dryRun);
    if (!admitted.ok) {
      this.sendStatus(res, admitted.status);
      return;
    }
    const headers: Record<string, string> = {};
    if (admitted.warnings.length > 0) headers['warning'] = admitted.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
    if (dryRun) {
      this.send(res, 201, admitted.object, headers);
      return;
    }
    const result = this.store.create(target.def, target.namespace ?? '', admitted.object);
    if (!result.ok) this.sendStatus(res, result.status);
    else this.send(res, 201, result.object, headers);
  }

  private serveUpdate(res: ServerResponse, target: ResourceTarget, body: unknown): void {
    if (!isJsonObject(body as Json)) {
      this.sendStatus(res, kubeStatus(400, 'the request body must be a JSON object'));
      return;
    }
    const sub = target.subresource === 'status' ? 'status' : null;
    this.answerWrite(res, this.store.update(target.def, target.namespace ?? '', target.name ?? '', body as JsonObject, sub));
  }

  private servePatch(res: ServerResponse, target: ResourceTarget, contentType: string | null, body: unknown, bodyText: string, url: URL): void {
    const def = target.def;
    const namespace = target.namespace ?? '';
    const name = target.name ?? '';
    const sub = target.subresource === 'status' ? 'status' : null;
    const accepted: readonly string[] = def.custom ? CUSTOM_RESOURCE_PATCH_TYPES : [...CUSTOM_RESOURCE_PATCH_TYPES, STRATEGIC_MERGE_PATCH];
    if (contentType === null || !accepted.includes(contentType)) {
      this.sendStatus(res, kubeStatus(415, `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`));
      return;
    }
    const live = this.store.get(def, namespace, name);
    if (contentType === APPLY_PATCH) {
      const fieldManager = url.searchParams.get('fieldManager');
      if (fieldManager === null || fieldManager === '') {
        this.sendStatus(res, kubeStatus(422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'));
        return;
      }
      const parsed = parseApplyBody(bodyText);
      if (!parsed.ok) {
        this.sendStatus(res, parsed.status);
        return;
      }
      if (live === undefined) {
        if (sub === 'status') {
          this.sendStatus(res, notFound(def.plural, name, def.group));
          return;
        }
        const applied = parsed.value;
        metadataOf(applied)['name'] = name;
        this.answerWrite(res, this.store.create(def, namespace, applied));
        return;
      }
      this.answerWrite(res, this.store.update(def, namespace, name, applyConfiguration(live, parsed.value), sub));
      return;
    }
    if (live === undefined) {
      this.sendStatus(res, notFound(def.plural, name, def.group));
      return;
    }
    const outcome = contentType === JSON_PATCH ? applyJsonPatch(live, (body ?? null) as Json) : applyMergePatch(live, (body ?? null) as Json);
    if (!outcome.ok) {
      this.sendStatus(res, outcome.status);
      return;
    }
    this.answerWrite(res, this.store.update(def, namespace, name, outcome.object, sub));
  }

  private serveDelete(res: ServerResponse, target: ResourceTarget, body: unknown): void {
    let preconditions: { uid?: string; resourceVersion?: string } | undefined;
    if (isJsonObject((body ?? null) as Json)) {
      const p = (body as JsonObject)['preconditions'];
      if (isJsonObject(p ?? null)) {
        const pre = p as JsonObject;
        preconditions = {};
        if (typeof pre['uid'] === 'string') preconditions.uid = pre['uid'];
        if (typeof pre['resourceVersion'] === 'string') preconditions.resourceVersion = pre['resourceVersion'];
      }
    }
    const result = this.store.delete(target.def, target.namespace ?? '', target.name ?? '', preconditions);
    if (!result.ok) {
      this.sendStatus(res, result.status);
      return;
    }
    if (target.def.custom) {
      this.send(res, 200, result.object);
      return;
    }
    this.send(res, 200, successStatus(target.name ?? '', target.def.kind, target.def.plural, stringField(metadataOf(result.object), 'uid') ?? ''));
  }
}
