// Fault: the config file rewritten 50 times under load: valid documents moving the route between
// two upstreams (every swap builds new pools and drains the old ones), with an invalid document
// every fifth write. Expected: not one request fails or gets another's answer; each valid
// document is applied and each invalid one rejected while the last good one keeps serving.
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { configHash } from '@jussi/proxy/config/load';
import { freePort, waitFor } from '../support/fake-upstream/index.js';
import { spawnProxy, waitReady } from '../support/proxy.js';
import { assertBounded, figures, Load, proxyPorts, report, rssMiB, UpstreamProcess } from './support/fault-harness.js';

const WRITES = 50;

describe('fault: the config rewritten under load', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it(`serves every request through ${WRITES} rewrites`, async () => {
    const a = await UpstreamProcess.start(await freePort());
    const b = await UpstreamProcess.start(await freePort());
    cleanup.push(() => a.stop(), () => b.stop());
    const doc = (i: number): unknown => ({
      upstreams: [{ name: 'chain', urls: [['chain', (i % 2 === 0 ? a : b).httpUrl(`/v${i}`)]], ttls: [], timeouts: [['chain', 10 + (i % 3)]] }],
    });
    const proxy = await spawnProxy(doc(0), { ...(await proxyPorts()), LOG_LEVEL: 'ERROR' });
    cleanup.push(() => proxy.stop());
    await waitReady(proxy);
    const state = async (): Promise<{ configHash: string | null; lastReloadError: { hash: string | null } | null }> => (await fetch(`${proxy.adminUrl}/state`)).json() as never;
    const write = (text: string): string => {
      writeFileSync(`${proxy.configPath}.next`, text);
      renameSync(`${proxy.configPath}.next`, proxy.configPath);
      return configHash(text);
    };

    const load = new Load({ url: proxy.url, concurrency: 16, method: () => 'chain.echo', maxRequests: 200_000 });
    await load.answeredMore(300);
    const rssBefore = rssMiB(proxy.child.pid);
    const started = Date.now();
    let applied = 0;
    let rejected = 0;
    for (let i = 1; i <= WRITES; i++) {
      if (i % 5 === 0) {
        const hash = write(`{"upstreams": [{"name": "broken-${i}", "urls": 42}]}\n`);
        await waitFor(async () => (await state()).lastReloadError?.hash === hash, { timeoutMs: 20_000, message: `write ${i} rejected` });
        rejected += 1;
      } else {
        const hash = write(`${JSON.stringify(doc(i), null, 2)}\n`);
        await waitFor(async () => (await state()).configHash === hash, { timeoutMs: 20_000, message: `write ${i} applied` });
        applied += 1;
      }
    }
    const rewriteMs = Date.now() - started;
    await load.answeredMore(300);
    await load.stop();
    const f = report(`config rewritten ${WRITES} times in ${rewriteMs} ms (${applied} applied, ${rejected} rejected)`, figures(load.records, null, rssBefore, rssMiB(proxy.child.pid)));
    assertBounded(f, 0, [], 'config rewrites');
    assert.ok((await a.stats()).calls > 0 && (await b.stats()).calls > 0, 'both upstreams carried traffic');
  });
});
