// AdmissionReview v1 on the wire: decoding a request into what the injector needs, and the
// response envelope. A body that is not an AdmissionReview v1 with a request is an error value
// with a message naming what is wrong (the server answers it with HTTP 400).

import { isRecord } from '@jussi/proxy/kube/objects';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource: string | null;
  readonly operation: string;
  /** The namespace of the object (an unnamed pod's namespace too). */
  readonly namespace: string;
  /** The object's name; empty for pods created with generateName (named after admission). */
  readonly name: string;
  readonly dryRun: boolean;
  /** The object as sent, unvalidated beyond being a JSON object. */
  readonly object: Readonly<Record<string, unknown>> | null;
}

export type DecodedReview = { readonly ok: true; readonly request: AdmissionRequest } | { readonly ok: false; readonly message: string };

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function decodeAdmissionReview(body: unknown): DecodedReview {
  if (!isRecord(body)) return { ok: false, message: 'the body is not a JSON object: expected an AdmissionReview' };
  if (body['kind'] !== 'AdmissionReview') return { ok: false, message: `expected kind AdmissionReview, got ${JSON.stringify(body['kind'] ?? null)}` };
  if (body['apiVersion'] !== ADMISSION_API_VERSION) {
    return { ok: false, message: `expected apiVersion ${ADMISSION_API_VERSION}, got ${JSON.stringify(body['apiVersion'] ?? null)} (set admissionReviewVersions: ["v1"] on the webhook)` };
  }
  const request = body['request'];
  if (!isRecord(request)) return { ok: false, message: 'the AdmissionReview has no request object' };
  const uid = request['uid'];
  if (typeof uid !== 'string' || uid === '') return { ok: false, message: 'the AdmissionReview request has no uid' };
  const kind = isRecord(request['kind']) ? request['kind'] : {};
  const resource = isRecord(request['resource']) ? request['resource'] : {};
  const object = request['object'];
  return {
    ok: true,
    request: {
      uid,
      kind: { group: str(kind['group']), version: str(kind['version']), kind: str(kind['kind']) },
      resource: { group: str(resource['group']), version: str(resource['version']), resource: str(resource['resource']) },
      subResource: typeof request['subResource'] === 'string' && request['subResource'] !== '' ? request['subResource'] : null,
      operation: str(request['operation']),
      namespace: str(request['namespace']),
      name: str(request['name']),
      dryRun: request['dryRun'] === true,
      object: isRecord(object) ? object : null,
    },
  };
}

export interface AdmissionResponseParts {
  readonly uid: string;
  /** JSON patch operations; none or empty: the object is admitted unchanged. */
  readonly patch?: readonly unknown[];
  readonly warnings?: readonly string[];
}

/** Warnings are shown by kubectl; the API server truncates long ones, so keep them short. */
const WARNING_MAX = 256;

/** The AdmissionReview answer. The injector never denies: every answer is allowed. */
export function admissionResponse(parts: AdmissionResponseParts): Record<string, unknown> {
  const response: Record<string, unknown> = { uid: parts.uid, allowed: true };
  if (parts.patch !== undefined && parts.patch.length > 0) {
    response['patchType'] = 'JSONPatch';
    response['patch'] = Buffer.from(JSON.stringify(parts.patch), 'utf8').toString('base64');
  }
  if (parts.warnings !== undefined && parts.warnings.length > 0) {
    response['warnings'] = parts.warnings.map((w) => (w.length > WARNING_MAX ? `${w.slice(0, WARNING_MAX - 1)}…` : w));
  }
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}
