// `Status` bodies as the apiserver sends them with every error (and with DELETE), so client code
// can be tested against the same reason strings and codes it meets in a cluster.

import type { JsonObject } from './json.js';

export interface KubeStatus {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly details?: JsonObject;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export function reasonFor(code: number): string {
  return REASONS[code] ?? 'Unknown';
}

export function kubeStatus(code: number, message: string, reason: string = reasonFor(code), details?: JsonObject): KubeStatus {
  return details === undefined ? { code, reason, message } : { code, reason, message, details };
}

export function statusBody(s: KubeStatus): JsonObject {
  const body: JsonObject = {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: s.message, reason: s.reason, code: s.code,
  };
  if (s.details !== undefined) body['details'] = s.details;
  return body;
}

export function successStatus(name: string, kind: string, plural: string, uid: string): JsonObject {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name, kind: plural, uid, group: '' }, code: 200, message: `${kind} ${name} deleted`,
  };
}

export function notFound(plural: string, name: string, group = ''): KubeStatus {
  const what = group === '' ? plural : `${plural}.${group}`;
  return kubeStatus(404, `${what} "${name}" not found`, 'NotFound', { name, kind: plural, group });
}

export function alreadyExists(plural: string, name: string, group = ''): KubeStatus {
  const what = group === '' ? plural : `${plural}.${group}`;
  return kubeStatus(409, `${what} "${name}" already exists`, 'AlreadyExists', { name, kind: plural, group });
}

export function conflict(plural: string, name: string, group = ''): KubeStatus {
  const what = group === '' ? plural : `${plural}.${group}`;
  return kubeStatus(
    409,
    `Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    'Conflict',
    { name, kind: plural, group },
  );
}

export function expired(requested: string, current: number): KubeStatus {
  return kubeStatus(410, `too old resource version: ${requested} (${current})`, 'Expired');
}
