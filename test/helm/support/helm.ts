// Runs the real helm 4 binary (extracted to .tools/helm by scripts/setup-helm.mjs) against the
// chart, and parses what it renders.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { repoRoot } from '../../support/repo.js';

export const chartDir = join(repoRoot, 'charts', 'jussi');
export const SERVICE_MONITOR_API = 'monitoring.coreos.com/v1/ServiceMonitor';
export const RELEASE = 'jussi';
export const NAMESPACE = 'jussi-system';

let cachedHelm: string | undefined;

/** Path of the helm binary, extracting it first when a fresh checkout has not yet. */
export function helmBinary(): string {
  if (cachedHelm !== undefined) return cachedHelm;
  const path = join(repoRoot, '.tools', 'helm');
  if (!existsSync(path)) {
    const setup = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'setup-helm.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    if (setup.status !== 0 || !existsSync(path)) {
      throw new Error(`could not extract helm with scripts/setup-helm.mjs: ${setup.stderr}`);
    }
  }
  cachedHelm = path;
  return path;
}

export interface HelmResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function helm(args: readonly string[]): HelmResult {
  const r = spawnSync(helmBinary(), [...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Keep helm away from the developer's own repositories, plugins and caches.
    env: { ...process.env, HELM_CACHE_HOME: join(repoRoot, '.tools', 'helm-home', 'cache'), HELM_CONFIG_HOME: join(repoRoot, '.tools', 'helm-home', 'config'), HELM_DATA_HOME: join(repoRoot, '.tools', 'helm-home', 'data') },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  /** Values files, in order. */
  readonly valuesFiles?: readonly string[];
  /** `--set-json key=<json>` pairs (the JSON is encoded here). */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Pass `--api-versions monitoring.coreos.com/v1/ServiceMonitor` (default false). */
  readonly serviceMonitorApi?: boolean;
  readonly release?: string;
  readonly namespace?: string;
}

export function template(options: RenderOptions = {}): HelmResult {
  const args = ['template', options.release ?? RELEASE, chartDir, '--namespace', options.namespace ?? NAMESPACE];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set-json', `${key}=${JSON.stringify(value)}`);
  if (options.serviceMonitorApi) args.push('--api-versions', SERVICE_MONITOR_API);
  return helm(args);
}

export function lint(options: RenderOptions = {}): HelmResult {
  const args = ['lint', '--strict', chartDir, '--namespace', options.namespace ?? NAMESPACE];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set-json', `${key}=${JSON.stringify(value)}`);
  return helm(args);
}

/** A rendered Kubernetes object, narrowed only as far as the tests need. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

function isK8sObject(value: unknown): value is K8sObject {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const meta = v['metadata'];
  return typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string' &&
    meta !== null && typeof meta === 'object' && typeof (meta as Record<string, unknown>)['name'] === 'string';
}

/** Every non-empty document of a multi-document YAML stream, each checked to be an object. */
export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message ?? ''}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isK8sObject(value)) throw new Error(`rendered document is not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    out.push(value);
  }
  return out;
}

/** Renders and parses, failing with helm's own message when helm fails. */
export function renderObjects(options: RenderOptions = {}): K8sObject[] {
  const r = template(options);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseObjects(r.stdout);
}

export function findObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}
