// Mutating admission of Pods, as the API server does it with MutatingWebhookConfigurations
// (admissionregistration.k8s.io/v1): on CREATE, each webhook whose rules, namespaceSelector
// (against the namespace's labels, which always include kubernetes.io/metadata.name) and
// objectSelector (against the pod's labels) match is called in order with an AdmissionReview v1
// over HTTPS (`clientConfig.url`, verified against `clientConfig.caBundle`; a `service`
// reference cannot be resolved here and counts as a failed call). A JSONPatch answer is applied
// (fast-json-patch); warnings become `Warning` headers; a failed or timed-out call follows
// failurePolicy (Fail by default: the create is refused; Ignore: admitted unchanged). Not
// modelled: reinvocation, matchConditions, matchPolicy equivalents, side-effect classes.

import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import jsonpatch from 'fast-json-patch';
import { isJsonObject, type Json, type JsonObject } from './json.js';
import { labelsMatch, type LabelRequirement } from './selectors.js';
import { kubeStatus, type KubeStatus } from './status.js';

export type AdmissionOutcome =
  | { readonly ok: true; readonly object: JsonObject; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly status: KubeStatus };

export interface AdmissionCall {
  readonly webhook: string;
  readonly url: string | null;
  readonly outcome: 'patched' | 'unchanged' | 'denied' | 'failed-ignored' | 'failed-refused' | 'not-matched';
  readonly error?: string;
}

function strings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function stringMap(value: Json | undefined): Record<string, string> {
  if (!isJsonObject(value ?? null)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as JsonObject)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A metav1.LabelSelector object (matchLabels + matchExpressions) as requirements; null = invalid. */
export function selectorRequirements(selector: Json | undefined): LabelRequirement[] | null {
  if (selector === undefined || selector === null) return [];
  if (!isJsonObject(selector)) return null;
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(stringMap(selector['matchLabels']))) reqs.push({ op: 'eq', key, value });
  for (const e of Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'] : []) {
    if (!isJsonObject(e)) return null;
    const key = typeof e['key'] === 'string' ? e['key'] : '';
    const values = strings(e['values']);
    switch (e['operator']) {
      case 'In': reqs.push({ op: 'in', key, values }); break;
      case 'NotIn': reqs.push({ op: 'notin', key, values }); break;
      case 'Exists': reqs.push({ op: 'exists', key }); break;
      case 'DoesNotExist': reqs.push({ op: 'notexists', key }); break;
      default: return null;
    }
  }
  return reqs;
}

function ruleMatches(rules: Json | undefined, operation: string): boolean {
  if (!Array.isArray(rules)) return false;
  const any = (list: string[], v: string): boolean => list.includes('*') || list.includes(v);
  return rules.some((r) => isJsonObject(r)
    && any(strings(r['operations']), operation)
    && any(strings(r['apiGroups']), '')
    && any(strings(r['apiVersions']), 'v1')
    && any(strings(r['resources']), 'pods')
    && (r['scope'] === undefined || r['scope'] === '*' || r['scope'] === 'Namespaced'));
}

function post(url: string, caBundleB64: string | null, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'https:') {
      reject(new Error(`webhook URL ${url} must use https`));
      return;
    }
    const req = request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      ...(caBundleB64 === null || caBundleB64 === '' ? {} : { ca: Buffer.from(caBundleB64, 'base64').toString('utf8') }),
      signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface AdmissionInput {
  readonly configurations: readonly JsonObject[];
  readonly namespace: string;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly object: JsonObject;
  readonly dryRun: boolean;
  readonly calls: AdmissionCall[];
}

export async function admitPod(input: AdmissionInput): Promise<AdmissionOutcome> {
  let object = input.object;
  const warnings: string[] = [];
  const nsLabels = { 'kubernetes.io/metadata.name': input.namespace, ...input.namespaceLabels };
  const ordered = [...input.configurations].sort((a, b) => String((a['metadata'] as JsonObject | undefined)?.['name'] ?? '').localeCompare(String((b['metadata'] as JsonObject | undefined)?.['name'] ?? '')));
  for (const config of ordered) {
    for (const hook of Array.isArray(config['webhooks']) ? config['webhooks'] : []) {
      if (!isJsonObject(hook)) continue;
      const name = typeof hook['name'] === 'string' ? hook['name'] : '(unnamed)';
      const nsReqs = selectorRequirements(hook['namespaceSelector']);
      const objReqs = selectorRequirements(hook['objectSelector']);
      const podLabels = stringMap((object['metadata'] as JsonObject | undefined)?.['labels']);
      if (!ruleMatches(hook['rules'], 'CREATE') || nsReqs === null || objReqs === null || !labelsMatch(nsReqs, nsLabels) || !labelsMatch(objReqs, podLabels)) {
        input.calls.push({ webhook: name, url: null, outcome: 'not-matched' });
        continue;
      }
      const clientConfig = isJsonObject(hook['clientConfig'] ?? null) ? (hook['clientConfig'] as JsonObject) : {};
      const url = typeof clientConfig['url'] === 'string' ? clientConfig['url'] : null;
      const failurePolicy = hook['failurePolicy'] === 'Ignore' ? 'Ignore' : 'Fail';
      const timeoutMs = (typeof hook['timeoutSeconds'] === 'number' ? hook['timeoutSeconds'] : 10) * 1000;
      const uid = randomUUID();
      const meta = isJsonObject(object['metadata'] ?? null) ? (object['metadata'] as JsonObject) : {};
      const review = {
        apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
        request: {
          uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
          requestKind: { group: '', version: 'v1', kind: 'Pod' }, requestResource: { group: '', version: 'v1', resource: 'pods' },
          name: typeof meta['name'] === 'string' ? meta['name'] : '', namespace: input.namespace, operation: 'CREATE',
          userInfo: { username: 'fake-kube-admin' }, object, oldObject: null, dryRun: input.dryRun,
        },
      };
      const failed = (error: string): AdmissionOutcome | null => {
        if (failurePolicy === 'Ignore') {
          input.calls.push({ webhook: name, url, outcome: 'failed-ignored', error });
          return null;
        }
        input.calls.push({ webhook: name, url, outcome: 'failed-refused', error });
        return { ok: false, status: kubeStatus(500, `Internal error occurred: failed calling webhook "${name}": ${error}`, 'InternalError') };
      };
      if (url === null) {
        const r = failed('the fake API server cannot resolve service references; use clientConfig.url');
        if (r !== null) return r;
        continue;
      }
      let answer: { status: number; text: string };
      try {
        answer = await post(url, typeof clientConfig['caBundle'] === 'string' ? clientConfig['caBundle'] : null, JSON.stringify(review), timeoutMs);
      } catch (err) {
        const r = failed(`failed to call webhook: Post "${url}": ${err instanceof Error ? err.message : String(err)}`);
        if (r !== null) return r;
        continue;
      }
      let parsed: Json;
      try {
        parsed = JSON.parse(answer.text) as Json;
      } catch {
        parsed = null;
      }
      const response = isJsonObject(parsed) && isJsonObject(parsed['response'] ?? null) ? (parsed['response'] as JsonObject) : null;
      if (answer.status !== 200 || response === null || response['uid'] !== uid) {
        const r = failed(answer.status !== 200 ? `received HTTP ${answer.status}: ${answer.text.slice(0, 200)}` : 'the response is not an AdmissionReview for this request');
        if (r !== null) return r;
        continue;
      }
      warnings.push(...strings(response['warnings']));
      if (response['allowed'] !== true) {
        input.calls.push({ webhook: name, url, outcome: 'denied' });
        const st = isJsonObject(response['status'] ?? null) ? (response['status'] as JsonObject) : {};
        return { ok: false, status: kubeStatus(400, `admission webhook "${name}" denied the request: ${String(st['message'] ?? '')}`, 'BadRequest') };
      }
      if (typeof response['patch'] === 'string' && response['patchType'] === 'JSONPatch') {
        const ops = JSON.parse(Buffer.from(response['patch'], 'base64').toString('utf8')) as jsonpatch.Operation[];
        try {
          object = jsonpatch.applyPatch(structuredClone(object), ops, true, false).newDocument as JsonObject;
        } catch (err) {
          return { ok: false, status: kubeStatus(500, `Internal error occurred: admission webhook "${name}" returned an invalid patch: ${String(err)}`, 'InternalError') };
        }
        input.calls.push({ webhook: name, url, outcome: 'patched' });
      } else {
        input.calls.push({ webhook: name, url, outcome: 'unchanged' });
      }
    }
  }
  return { ok: true, object, warnings };
}
