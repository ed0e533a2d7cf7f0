// The chart ships the CRDs of crds/*.yaml as templates (HELM_SM.md §2): each file verbatim,
// wrapped in the `crds.enabled` guard, with `helm.sh/resource-policy: keep` added to its
// metadata when `crds.keep`. This is the one function that makes a template from a CRD file;
// the sync test compares the chart with its output and UPDATE_GOLDEN=1 rewrites the chart.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/repo.js';
import { chartDir } from './helm.js';

export const crdSourceDir = join(repoRoot, 'crds');
export const crdTemplateDir = join(chartDir, 'templates', 'crds');

export const KEEP_ANNOTATION = 'helm.sh/resource-policy';

export function listYaml(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    return [];
  }
}

export type TemplateResult = { ok: true; text: string } | { ok: false; message: string };

/**
 * The chart template for one CRD file. Fails (as a value) on a layout it cannot wrap faithfully:
 * no top-level `metadata:` block, or annotations written in flow style.
 */
export function chartCrdTemplate(sourceText: string, sourceName: string): TemplateResult {
  // Helm would execute a literal "{{" in a description or CEL message: emit it as a string.
  const escaped = sourceText.replace(/\{\{/g, '{{ "{{" }}');
  const lines = escaped.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  const out: string[] = [];
  let sawMetadata = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    out.push(line);
    if (!/^metadata:\s*$/.test(line)) continue;
    sawMetadata = true;
    // Find this document's metadata.annotations line, if any (two-space indented keys).
    let annotationsAt = -1;
    for (let j = i + 1; j < lines.length; j++) {
      const inner = lines[j] ?? '';
      if (/^\S/.test(inner)) break;
      if (/^ {2}annotations:/.test(inner)) {
        if (!/^ {2}annotations:\s*$/.test(inner)) {
          return { ok: false, message: `${sourceName}: metadata.annotations must be a block mapping for the chart to add ${KEEP_ANNOTATION}` };
        }
        annotationsAt = j;
        break;
      }
    }
    if (annotationsAt === -1) {
      out.push('  {{- if .Values.crds.keep }}', '  annotations:', `    ${KEEP_ANNOTATION}: keep`, '  {{- end }}');
    } else {
      for (let j = i + 1; j <= annotationsAt; j++) out.push(lines[j] ?? '');
      out.push('    {{- if .Values.crds.keep }}', `    ${KEEP_ANNOTATION}: keep`, '    {{- end }}');
      i = annotationsAt;
    }
  }
  if (!sawMetadata) return { ok: false, message: `${sourceName}: no top-level metadata: block` };
  const header = [
    `{{- /* Generated from crds/${sourceName} by test/helm/crds-sync.test.ts: do not edit.`,
    '       Regenerate with: UPDATE_GOLDEN=1 npm run t -- test/helm/crds-sync.test.ts */ -}}',
    '{{- if .Values.crds.enabled }}',
  ];
  return { ok: true, text: [...header, ...out, '{{- end }}', ''].join('\n') };
}

export function readSourceCrd(name: string): string {
  return readFileSync(join(crdSourceDir, name), 'utf8');
}
