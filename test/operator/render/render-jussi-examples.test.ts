// crds/examples reproduce jussi's shipped configs: rendered, they give the same tries as the
// original JSON files, entry for entry, except the entries jussi could never match (Python-repr
// params prefixes, which the operator rejects as dead). Both documents are read with the proxy's
// own loader, so "same" means what the proxy would route, cache and time out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { NormalisedConfig, PrefixEntry } from '@jussi/proxy/config/document';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { deadPrefixReason } from '@jussi/proxy/config/prefix-check';
import { DEFAULT_OPERATOR_LIMITS } from '@jussi/operator/render/limits';
import { render } from '@jussi/operator/render/render';
import { conformanceAvailable, conformanceConfigPath, conformanceDir } from '../../support/repo.js';
import { examplesDir } from '../../crds/support/crd-files.js';
import { resourcesFromYaml } from './support/golden-cases.js';

type Trie = Map<string, string>;

function trie(entries: readonly PrefixEntry<unknown>[], keep: (prefix: string) => boolean): Trie {
  return new Map(entries.filter((e) => keep(e.prefix)).map((e) => [e.prefix, JSON.stringify(e.value)]));
}

function load(text: string): NormalisedConfig {
  const result = loadConfigDocument(text);
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.problems));
  return result.config;
}

const cases = [
  { example: 'dev-config.yaml', jussi: 'DEV_config.json', dead: { urls: 0, ttls: 6, timeouts: 0 } },
  { example: 'hivemind.yaml', jussi: 'EXAMPLE_hivemind_upstream_config.json', dead: { urls: 4, ttls: 6, timeouts: 0 } },
] as const;

describe('crds/examples reproduce jussi configs', { skip: conformanceAvailable() ? false : `jussi configs absent (${conformanceDir})` }, () => {
  for (const c of cases) {
    it(`${c.example} renders the tries of ${c.jussi}`, () => {
      const out = render({ resources: resourcesFromYaml(join(examplesDir, c.example)), limits: DEFAULT_OPERATOR_LIMITS });
      assert.ok(out.ok);
      const ours = load(out.text);
      const theirs = load(readFileSync(conformanceConfigPath(c.jussi), 'utf8'));
      const live = (p: string): boolean => deadPrefixReason(p) === null;
      for (const table of ['urls', 'ttls', 'timeouts'] as const) {
        const expected = trie(theirs[table], live);
        assert.equal(theirs[table].length - expected.size, c.dead[table], `${table}: dead entries left out`);
        assert.deepEqual(trie(ours[table], () => true), expected, `${table} differ`);
      }
      const names = (cfg: NormalisedConfig): string[] => cfg.upstreams.map((u) => `${u.name}${u.translateToAppbase ? ' (translated)' : ''}`).sort();
      assert.deepEqual(names(ours), names(theirs));
    });
  }
});
