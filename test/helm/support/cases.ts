// The golden value sets (EG pattern): test/helm/cases/<name>.in.yaml, each a values file whose
// first comment line says what it covers, rendered into <name>.out.yaml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { repoRoot } from '../../support/repo.js';
import { listYaml } from './crd-template.js';
import { RELEASE } from './helm.js';

export const casesDir = join(repoRoot, 'test', 'helm', 'cases');

export interface ChartCase {
  readonly name: string;
  readonly valuesFile: string;
  readonly goldenFile: string;
  /** What the case covers (its first comment line). */
  readonly purpose: string;
  readonly values: Record<string, unknown>;
  /** The object name prefix the case renders with. */
  readonly prefix: string;
}

export function chartCases(): ChartCase[] {
  return listYaml(casesDir).filter((f) => f.endsWith('.in.yaml')).map((file) => {
    const name = file.replace(/\.in\.yaml$/, '');
    const text = readFileSync(join(casesDir, file), 'utf8');
    const parsed: unknown = YAML.parse(text);
    const values = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    const override = values['fullnameOverride'];
    return {
      name,
      valuesFile: join(casesDir, file),
      goldenFile: join(casesDir, `${name}.out.yaml`),
      purpose: /^#\s*(.*)$/m.exec(text)?.[1] ?? name,
      values,
      prefix: typeof override === 'string' && override !== '' ? override : RELEASE,
    };
  });
}
