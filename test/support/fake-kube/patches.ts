// The patch formats a real apiserver accepts, applied to a stored object. Server-side apply is an
// approximation: the applied configuration is merged into the live object (maps recursively,
// lists and scalars replaced); field ownership is not tracked.

import jsonpatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { clone, isJsonObject, type Json, type JsonObject } from './json.js';
import { kubeStatus, type KubeStatus } from './status.js';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

export const CUSTOM_RESOURCE_PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] as const;

export type PatchOutcome = { ok: true; object: JsonObject } | { ok: false; status: KubeStatus };

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return clone(patch);
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export function applyMergePatch(live: JsonObject, patch: Json): PatchOutcome {
  if (!isJsonObject(patch)) return { ok: false, status: kubeStatus(400, 'merge patch body must be a JSON object') };
  const merged = mergePatch(live, patch);
  return isJsonObject(merged) ? { ok: true, object: merged } : { ok: false, status: kubeStatus(400, 'merge patch produced a non-object') };
}

export function applyJsonPatch(live: JsonObject, patch: Json): PatchOutcome {
  if (!Array.isArray(patch)) return { ok: false, status: kubeStatus(400, 'json patch body must be a JSON array of operations') };
  try {
    // fast-json-patch validates each operation and throws a JsonPatchError naming the failure.
    const ops = patch as unknown as jsonpatch.Operation[];
    const result: unknown = jsonpatch.applyPatch(clone(live), ops, true, true).newDocument;
    if (!isJsonObject(result as Json)) return { ok: false, status: kubeStatus(422, 'json patch produced a non-object') };
    return { ok: true, object: result as JsonObject };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] ?? err.name : String(err);
    return { ok: false, status: kubeStatus(422, `the server rejected our request due to an error in our request: ${message}`) };
  }
}

/** Server-side apply body: YAML or JSON (JSON is YAML). */
export function parseApplyBody(text: string): { ok: true; value: JsonObject } | { ok: false; status: KubeStatus } {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    return { ok: false, status: kubeStatus(400, `error decoding YAML: ${err instanceof Error ? err.message : String(err)}`) };
  }
  if (!isJsonObject(value as Json)) return { ok: false, status: kubeStatus(400, 'apply patch body must be an object') };
  return { ok: true, value: value as JsonObject };
}

export function applyConfiguration(live: JsonObject, applied: JsonObject): JsonObject {
  const merged = mergePatch(live, applied);
  return isJsonObject(merged) ? merged : live;
}
