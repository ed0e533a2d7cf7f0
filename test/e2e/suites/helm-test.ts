// `helm test` (KIND_E2E.md §2, assertion 9): the chart's test pod POSTs JSON-RPC to the proxy
// Service and gets an envelope back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MINUTE } from '../support/wait.js';
import type { SuiteContext } from './context.js';

const run = promisify(execFile);

export function helmTestSuite(ctx: SuiteContext): void {
  describe('helm test', () => {
    it('the JSON-RPC round-trip test pod passes', { timeout: 8 * MINUTE }, async () => {
      const { helm, kubeconfig, namespace, release } = ctx.settings;
      let out = '';
      try {
        const r = await run(helm, ['test', release, '--namespace', namespace, '--kubeconfig', kubeconfig, '--logs', '--timeout', '6m'], { maxBuffer: 16 * 1024 * 1024 });
        out = r.stdout + r.stderr;
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message?: string };
        assert.fail(`helm test failed: ${e.message ?? ''}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
      assert.match(out, /Phase:\s+Succeeded/);
      assert.match(out, /ok: condenser_api\.get_dynamic_global_properties answered with a result/);
    });
  });
}
