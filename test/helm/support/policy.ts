// The chart's best-practice policy (HELM_SM.md §5–§7) as a pure check over rendered objects:
// each returns the violations it finds, in words that name the object and the rule, so a
// failing test says what to fix. An empty list means the render complies.
import type { K8sObject } from './helm.js';
import { asArray, asRecord, asStrings, at, containersOf, envOf, podsOf, rulesOf } from './objects.js';

export interface PolicyContext {
  /** Object name prefix (the release name unless fullnameOverride). */
  readonly prefix: string;
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole']);
/** Verbs the operator and proxy may hold at all: nothing deletes, escalates or impersonates. */
const ALLOWED_VERBS = new Set(['get', 'list', 'watch', 'create', 'patch', 'update']);

export function containerViolations(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const { pod, name, container } of containersOf(objects)) {
    const where = `${pod.owner} container ${name}`;
    const sc = asRecord(container['securityContext']);
    if (sc['readOnlyRootFilesystem'] !== true) out.push(`${where}: securityContext.readOnlyRootFilesystem must be true`);
    if (sc['allowPrivilegeEscalation'] !== false) out.push(`${where}: securityContext.allowPrivilegeEscalation must be false`);
    if (sc['privileged'] === true) out.push(`${where}: must not be privileged`);
    if (!asStrings(at(sc, 'capabilities', 'drop')).includes('ALL')) out.push(`${where}: securityContext.capabilities.drop must include ALL`);
    if (asStrings(at(sc, 'capabilities', 'add')).length > 0) out.push(`${where}: must add no capabilities`);
    for (const kind of ['requests', 'limits']) {
      const r = asRecord(at(container, 'resources', kind));
      if (r['memory'] === undefined) out.push(`${where}: resources.${kind}.memory is required`);
    }
    if (asRecord(at(container, 'resources', 'requests'))['cpu'] === undefined) out.push(`${where}: resources.requests.cpu is required`);
    if (!pod.isTestHook) {
      for (const probe of ['livenessProbe', 'readinessProbe']) {
        if (container[probe] === undefined) out.push(`${where}: ${probe} is required`);
      }
    }
    const mounts = asArray(container['volumeMounts']).map((m) => asRecord(m)['mountPath']);
    if (!mounts.includes('/tmp')) out.push(`${where}: needs a writable /tmp (emptyDir) with a read-only root filesystem`);
    const names = asArray(container['env']).map((e) => String(asRecord(e)['name']));
    const dupes = names.filter((n, i) => names.indexOf(n) !== i);
    if (dupes.length > 0) out.push(`${where}: duplicate env ${dupes.join(', ')} (an error under Helm 4 server-side apply)`);
    const image = container['image'];
    if (typeof image !== 'string' || !/:[^/]+$/.test(image) || image.endsWith(':latest')) out.push(`${where}: image must carry an explicit tag other than latest (got ${String(image)})`);
  }
  for (const pod of podsOf(objects)) {
    const psc = asRecord(pod.spec['securityContext']);
    if (psc['runAsNonRoot'] !== true) out.push(`${pod.owner}: pod securityContext.runAsNonRoot must be true`);
    if (psc['runAsUser'] !== 65532) out.push(`${pod.owner}: pod securityContext.runAsUser must be 65532`);
    if (at(psc, 'seccompProfile', 'type') !== 'RuntimeDefault') out.push(`${pod.owner}: pod seccompProfile must be RuntimeDefault`);
    const tmp = asArray(pod.spec['volumes']).map(asRecord).find((v) => v['emptyDir'] !== undefined);
    if (tmp === undefined) out.push(`${pod.owner}: needs an emptyDir volume for /tmp`);
    const needsApi = asArray(pod.spec['containers']).some((c) => {
      const env = envOf(asRecord(c));
      return env.has('JUSSI_CONFIG_CONFIGMAP') || env.has('OPERATOR_CONFIGMAP');
    });
    if (!needsApi && pod.spec['automountServiceAccountToken'] !== false) out.push(`${pod.owner}: does not use the API, so automountServiceAccountToken must be false`);
  }
  return out;
}

export function rbacViolations(objects: readonly K8sObject[], ctx: PolicyContext): string[] {
  const out: string[] = [];
  for (const role of objects.filter((o) => RBAC_KINDS.has(o.kind))) {
    for (const rule of rulesOf(role)) {
      for (const field of ['apiGroups', 'resources', 'resourceNames', 'verbs'] as const) {
        if (rule[field].some((v) => v.includes('*'))) out.push(`${rule.role}: ${field} contains a wildcard`);
      }
      for (const verb of rule.verbs) {
        if (!ALLOWED_VERBS.has(verb)) out.push(`${rule.role}: verb ${verb} is not needed by jussi`);
      }
      // The one exception: the operator's own webhook certificate Secret, by name, never create.
      const webhookSecret = rule.resourceNames.length === 1 && rule.resourceNames[0] === `${ctx.prefix}-operator-webhook-tls`
        && rule.resources.length === 1 && rule.verbs.every((v) => ['get', 'list', 'watch', 'update'].includes(v));
      if (rule.resources.some((r) => r === 'secrets' || r.startsWith('secrets/')) && !webhookSecret) out.push(`${rule.role}: must not grant access to secrets (but the webhook certificate Secret by name)`);
      if (rule.verbs.includes('create') && rule.resourceNames.length > 0) out.push(`${rule.role}: create cannot be limited by resourceNames (it would silently grant nothing)`);
    }
  }
  const proxyRole = objects.find((o) => o.kind === 'Role' && o.metadata.name === `${ctx.prefix}-proxy`);
  if (proxyRole === undefined) {
    out.push(`Role ${ctx.prefix}-proxy is missing`);
  } else {
    const rules = rulesOf(proxyRole);
    const expected = { apiGroups: [''], resources: ['configmaps'], resourceNames: [`${ctx.prefix}-proxy-config`], verbs: ['get', 'list', 'watch'] };
    const rule = rules[0];
    if (rules.length !== 1 || rule === undefined ||
        JSON.stringify([rule.apiGroups, rule.resources, rule.resourceNames, [...rule.verbs].sort()]) !==
        JSON.stringify([expected.apiGroups, expected.resources, expected.resourceNames, [...expected.verbs].sort()])) {
      out.push(`Role ${ctx.prefix}-proxy must hold exactly one rule: get/list/watch on configmaps named ${ctx.prefix}-proxy-config (got ${JSON.stringify(rules)})`);
    }
  }
  const proxyBinding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === `${ctx.prefix}-proxy`);
  const proxySa = at(podsOf(objects).find((p) => p.owner === `Deployment/${ctx.prefix}-proxy`)?.spec, 'serviceAccountName');
  const boundTo = asArray(proxyBinding?.['subjects']).map((s) => asRecord(s)['name']);
  if (!boundTo.includes(proxySa)) out.push(`RoleBinding ${ctx.prefix}-proxy must bind the proxy's ServiceAccount ${String(proxySa)}`);
  // Nothing else may be granted to the proxy's ServiceAccount.
  for (const binding of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    if (binding.metadata.name === `${ctx.prefix}-proxy`) continue;
    if (asArray(binding['subjects']).some((s) => asRecord(s)['name'] === proxySa)) out.push(`${binding.kind}/${binding.metadata.name} grants more to the proxy's ServiceAccount`);
  }
  return out;
}

export function scalingViolations(objects: readonly K8sObject[], ctx: PolicyContext): string[] {
  const out: string[] = [];
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
  for (const component of ['proxy', 'operator']) {
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `${ctx.prefix}-${component}`);
    if (deployment === undefined) continue;
    const scaled = hpa !== undefined && at(hpa, 'spec', 'scaleTargetRef', 'name') === deployment.metadata.name;
    const replicas = at(deployment, 'spec', 'replicas');
    if (scaled && replicas !== undefined) out.push(`Deployment ${deployment.metadata.name}: spec.replicas must be omitted when an HPA scales it (server-side apply would fight the HPA)`);
    if (!scaled && typeof replicas !== 'number') out.push(`Deployment ${deployment.metadata.name}: spec.replicas must be set without an HPA`);
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === deployment.metadata.name);
    const several = scaled || (typeof replicas === 'number' && replicas > 1);
    if (pdb !== undefined && !several) out.push(`PodDisruptionBudget ${pdb.metadata.name}: only with more than one replica or an HPA (it would block node drains)`);
    if (pdb !== undefined) {
      const selector = asRecord(at(pdb, 'spec', 'selector', 'matchLabels'));
      const podLabels = asRecord(at(deployment, 'spec', 'template', 'metadata', 'labels'));
      if (Object.entries(selector).some(([k, v]) => podLabels[k] !== v)) out.push(`PodDisruptionBudget ${pdb.metadata.name}: selector does not match the ${component} pods`);
      if (at(pdb, 'spec', 'minAvailable') !== undefined) out.push(`PodDisruptionBudget ${pdb.metadata.name}: use maxUnavailable (minAvailable = replicas blocks drains)`);
    }
  }
  return out;
}

export function policyViolations(objects: readonly K8sObject[], ctx: PolicyContext): string[] {
  return [...containerViolations(objects), ...rbacViolations(objects, ctx), ...scalingViolations(objects, ctx)];
}
