// Golden render cases: test/operator/render/golden/<case>/ holds input.yaml (the resources, multi-
// document), optionally limits.json (operator settings; jussi's defaults otherwise) and edge.json
// (the operator's OPERATOR_EDGE setting), and the
// expected output: expected-config.json (the exact published text) or, when render refuses to
// produce a document, expected-problems.json; and expected-verdicts.json.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { asJussiResource } from '@jussi/operator/resources/as-resource';
import type { JussiResource } from '@jussi/operator/resources/types';
import { DEFAULT_OPERATOR_LIMITS, type OperatorLimits } from '@jussi/operator/render/limits';
import type { RenderResult } from '@jussi/operator/render/render';
import type { RawEdge } from '@jussi/proxy/config/document';
import { repoRoot } from '../../../support/repo.js';
import { readYamlDocuments } from '../../../crds/support/crd-files.js';

export const goldenDir = join(repoRoot, 'test', 'operator', 'render', 'golden');

export interface GoldenCase {
  readonly name: string;
  readonly dir: string;
  readonly resources: readonly JussiResource[];
  readonly limits: OperatorLimits;
  readonly edge?: RawEdge;
}

export function goldenCases(): GoldenCase[] {
  return readdirSync(goldenDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => loadCase(name));
}

export function resourcesFromYaml(path: string): JussiResource[] {
  return readYamlDocuments(path).map((doc, i) => {
    const r = asJussiResource(doc, 'default');
    if (r === null) throw new Error(`${path}: document ${i} is not a JsonRpcUpstream, CacheRule or RateLimitPolicy`);
    return r;
  });
}

function loadCase(name: string): GoldenCase {
  const dir = join(goldenDir, name);
  const limitsFile = join(dir, 'limits.json');
  const limits = existsSync(limitsFile) ? (JSON.parse(readFileSync(limitsFile, 'utf8')) as OperatorLimits) : DEFAULT_OPERATOR_LIMITS;
  const edgeFile = join(dir, 'edge.json');
  const edge = existsSync(edgeFile) ? { edge: JSON.parse(readFileSync(edgeFile, 'utf8')) as RawEdge } : {};
  return { name, dir, resources: resourcesFromYaml(join(dir, 'input.yaml')), limits, ...edge };
}

/** The verdicts as the expected-verdicts.json files hold them: an object keyed kind/namespace/name. */
export function verdictsJson(result: RenderResult): string {
  const out: Record<string, unknown> = {};
  for (const [key, v] of result.verdicts) {
    out[key] = {
      generation: v.generation,
      accepted: v.accepted,
      reason: v.reason,
      message: v.message,
      ...(v.conflictsWith === undefined ? {} : { conflictsWith: v.conflictsWith }),
      ...(v.waitingPrefixes === undefined ? {} : { waitingPrefixes: v.waitingPrefixes }),
    };
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

export function problemsJson(result: RenderResult): string {
  return `${JSON.stringify(result.ok ? [] : result.problems, null, 2)}\n`;
}
