// The apiserver enforces the CRD (KIND_E2E.md §2, assertions 4 and 5): an invalid resource is
// refused with the CEL rule's message; a second resource serving an already served JSON-RPC
// namespace is Conflicted (naming the winner) while the first keeps serving.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { repoRoot } from '../../support/repo.js';
import { apiError, type Plural } from '../support/cluster.js';
import { cacheRuleResource, upstreamResource, waitForCondition, waitProgrammed } from '../support/resources.js';
import { resultOf } from '../support/rpc.js';
import { MINUTE } from '../support/wait.js';
import type { SuiteContext } from './context.js';

const NS = 'e2e-validation';
const RPC = 'e2econflict';

/** Every x-kubernetes-validations message of a CRD file: what the apiserver may answer. */
function celMessages(file: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'x-kubernetes-validations' && Array.isArray(v)) {
        for (const rule of v) {
          const message = (rule as Record<string, unknown>)['message'];
          if (typeof message === 'string') out.push(message);
        }
      } else {
        walk(v);
      }
    }
  };
  walk(YAML.parse(readFileSync(join(repoRoot, 'crds', file), 'utf8')));
  return out;
}

async function expectRejected(ctx: SuiteContext, plural: Plural, body: Record<string, unknown>, messages: readonly string[]): Promise<string> {
  let failure: unknown;
  try {
    await ctx.cluster.createResource(plural, NS, body);
  } catch (err) {
    failure = err;
  }
  const e = apiError(failure);
  assert.ok(e, `the apiserver accepted an invalid ${plural}`);
  assert.equal(e.code, 422, e.message);
  const matched = messages.find((m) => e.message.includes(m));
  assert.ok(matched, `the rejection does not carry a CEL message of the CRD: ${e.message}`);
  return matched;
}

export function validationSuite(ctx: SuiteContext): void {
  describe('validation and conflicts', () => {
    before(async () => {
      await ctx.cluster.ensureNamespace(NS);
    });

    after(async () => {
      for (const name of [`${RPC}-first`, `${RPC}-second`, 'bad-prefix']) await ctx.cluster.deleteResource('jsonrpcupstreams', NS, name);
      await ctx.cluster.deleteResource('cacherules', NS, 'bad-seconds');
    });

    it('refuses a JsonRpcUpstream whose route leaves its namespace, with the CEL message', async () => {
      const body = upstreamResource('bad-prefix', NS, 'e2ebad', [{ prefix: 'elsewhere.get_value', url: ctx.settings.fakeHttp }]);
      const matched = await expectRejected(ctx, 'jsonrpcupstreams', body, celMessages('jussi.io_jsonrpcupstreams.yaml'));
      assert.match(matched, /routes\[\]\.prefix/);
      assert.equal(await ctx.cluster.getResource('jsonrpcupstreams', NS, 'bad-prefix'), undefined);
    });

    it('refuses a CacheRule giving seconds to a policy that takes none, with the CEL message', async () => {
      const body = cacheRuleResource('bad-seconds', NS, [{ prefix: 'e2ebad.get', policy: 'NoCache', seconds: 5 }]);
      const matched = await expectRejected(ctx, 'cacherules', body, celMessages('jussi.io_cacherules.yaml'));
      assert.match(matched, /seconds/);
    });

    it('marks the newer of two resources serving one namespace Conflicted; the older keeps serving', { timeout: 6 * MINUTE }, async () => {
      await ctx.cluster.apply(upstreamResource(`${RPC}-first`, NS, RPC, [{ prefix: RPC, url: ctx.settings.fakeHttp }]));
      await waitProgrammed(ctx.cluster, 'jsonrpcupstreams', NS, `${RPC}-first`);
      await ctx.cluster.apply(upstreamResource(`${RPC}-second`, NS, RPC, [{ prefix: `${RPC}.other`, url: ctx.settings.fakeHttp }]));
      const loser = await waitForCondition(ctx.cluster, 'jsonrpcupstreams', NS, `${RPC}-second`, 'Accepted', 'False', 'Conflicted');
      const accepted = loser.conditions.find((c) => c.type === 'Accepted');
      assert.match(accepted?.message ?? '', new RegExp(`${NS}/${RPC}-first`));
      const winner = await waitProgrammed(ctx.cluster, 'jsonrpcupstreams', NS, `${RPC}-first`);
      assert.equal(winner.conditions.find((c) => c.type === 'Accepted')?.status, 'True');
      const reply = await ctx.proxy.call(`${RPC}.get_value`, []);
      assert.equal(resultOf(reply)['method'], `${RPC}.get_value`);
    });
  });
}
