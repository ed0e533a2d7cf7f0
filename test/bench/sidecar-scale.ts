// Measures the operator with 1,000 injected sidecars (issue 14): the operator runs as shipped
// (`node operator/dist/cli.js`, its own process, sidecars on) against the fake API server; 1,000
// pods exist there, each with a projected-style token, and 1,000 simulated sidecars in this
// process long-poll the operator exactly as the proxy's operator source does (and "apply" each
// document at once). A small /state server stands in for the sidecars' admin ports, so the
// sampled status pulls have something to read.
//
// Reports the operator's CPU and RSS while the sidecars idle-poll, and for each of several
// CacheRule edits: the time until every sidecar has the new document, and until the CacheRule's
// status says Programmed with all 1,000 sidecars on the new hash.
//
//   npx tsc -b && node test/dist/bench/sidecar-scale.js [--sidecars=1000] [--edits=5]

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { FakeKube, waitFor } from '../support/fake-kube/index.js';
import { freePort } from '../support/fake-upstream/index.js';
import { repoRoot } from '../support/repo.js';
import { TreeSampler } from './proc-stats.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const arg = (name: string, fallback: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : Number(a.split('=')[1]);
};
const SIDECARS = arg('sidecars', 1000);
const EDITS = arg('edits', 5);
const NS = 'jussi';
const APPS = 'apps';
const GV = 'jussi.io/v1alpha1';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const kube = await FakeKube.start({ bookmarkIntervalMs: 5000 });
  const dir = mkdtempSync(join(tmpdir(), 'jussi-scale-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig, NS);
  const ports = { webhook: await freePort(), config: await freePort(), metrics: await freePort() };
  const state = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: 'jussi', configHash: null, configLoadedAt: null, configSource: 'operator', lastReloadError: null, ready: true, workers: 1, redis: 'disabled', degraded: false, lastIrreversibleBlockNum: null, upstreams: [], cacheRules: [{ prefix: 'wallet', hits: 5, misses: 1 }] }));
  });
  await new Promise<void>((r) => state.listen(0, '127.0.0.1', r));
  const statePort = (state.address() as AddressInfo).port;

  kube.put({ apiVersion: GV, kind: 'JsonRpcUpstream', metadata: { name: 'wallet', namespace: APPS }, spec: { namespace: 'wallet', routes: [{ prefix: 'wallet', url: 'http://127.0.0.1:1/wallet' }] } });
  kube.put({ apiVersion: GV, kind: 'CacheRule', metadata: { name: 'wallet-cache', namespace: APPS }, spec: { rules: [{ prefix: 'wallet', policy: 'Seconds', seconds: 1 }] } });
  const tokens: string[] = [];
  for (let i = 0; i < SIDECARS; i++) {
    const name = `wallet-${String(i).padStart(4, '0')}`;
    const pod = kube.putPod({ name, namespace: APPS, labels: { app: 'wallet', 'jussi.io/sidecar': 'injected' }, podIP: '127.0.0.1' }) as Obj;
    tokens.push(kube.issueToken({ namespace: APPS, serviceAccount: 'wallet', audiences: ['jussi-operator'], pod: { name, uid: pod['metadata']['uid'] as string } }));
  }

  const operator = spawn(process.execPath, [join(repoRoot, 'operator', 'dist', 'cli.js')], {
    env: {
      ...process.env, KUBECONFIG: kubeconfig, POD_NAME: 'operator-0', POD_NAMESPACE: NS, LOG_LEVEL: 'WARN',
      OPERATOR_METRICS_PORT: String(ports.metrics), OPERATOR_METRICS_HOST: '127.0.0.1',
      OPERATOR_SIDECARS: 'true', OPERATOR_WEBHOOK_HOST: '127.0.0.1', OPERATOR_WEBHOOK_PORT: String(ports.webhook), OPERATOR_WEBHOOK_HOSTS: '127.0.0.1',
      OPERATOR_CONFIG_HOST: '127.0.0.1', OPERATOR_CONFIG_PORT: String(ports.config), OPERATOR_CONFIG_URL: `https://127.0.0.1:${ports.config}`,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let stopping = false;
  const sidecarHashes = new Array<string>(SIDECARS).fill('');
  const gotAt = new Array<number>(SIDECARS).fill(0);
  try {
    const secret = await waitFor(() => kube.get('v1', 'Secret', NS, 'jussi-operator-webhook-tls') as Obj | undefined, 'the operator certificate', 60_000);
    const ca = Buffer.from(secret['data']['ca.crt'] as string, 'base64').toString('utf8');
    await waitFor(async () => {
      try {
        const r = await request(`https://127.0.0.1:${ports.config}/v1/config`, { dispatcher: new Agent({ connect: { ca } }) });
        await r.body.text();
        return r.statusCode === 401;
      } catch {
        return false;
      }
    }, 'the config server', 60_000, 100);
    const agent = new Agent({ connect: { ca }, headersTimeout: 60_000, bodyTimeout: 60_000, keepAliveTimeout: 60_000 });
    const sidecar = async (i: number): Promise<void> => {
      let have = '';
      while (!stopping) {
        try {
          const headers: Record<string, string> = { authorization: `Bearer ${tokens[i] ?? ''}`, 'x-jussi-running-config': have, 'x-jussi-admin-port': String(statePort) };
          if (have !== '') headers['if-none-match'] = `"${have}"`;
          const res = await request(`https://127.0.0.1:${ports.config}/v1/config?wait=30`, { dispatcher: agent, headers });
          const text = await res.body.text();
          if (res.statusCode === 200) {
            have = createHash('sha256').update(text).digest('hex');
            sidecarHashes[i] = have;
            gotAt[i] = performance.now();
          } else if (res.statusCode !== 304) {
            await sleep(500);
          }
        } catch {
          await sleep(500);
        }
      }
    };
    const loops = Array.from({ length: SIDECARS }, (_, i) => sidecar(i));
    const cacheRule = (): Obj | undefined => kube.get(GV, 'CacheRule', APPS, 'wallet-cache') as Obj | undefined;
    const published = (): string => (kube.get('v1', 'ConfigMap', NS, 'jussi-proxy-config') as Obj | undefined)?.['metadata']?.['annotations']?.['jussi.io/config-hash'] ?? '';
    const programmedAll = (hash: string): boolean => {
      const r = cacheRule();
      const c = (r?.['status']?.['conditions'] as Obj[] | undefined)?.find((x) => x['type'] === 'Programmed');
      const s = r?.['status']?.['sidecars'] as Obj | undefined;
      // Programmed at the current generation on every sidecar (the status names no hash; `hash`
      // only says a document has been published).
      return hash !== '' && c?.['status'] === 'True' && c['observedGeneration'] === r?.['metadata']['generation'] && s?.['programmed'] === SIDECARS && s['total'] === SIDECARS;
    };
    const startedAt = Date.now();
    await waitFor(() => published() !== '' && programmedAll(published()), `all ${SIDECARS} sidecars Programmed`, 300_000, 50);
    process.stdout.write(`${SIDECARS} sidecars connected and counted Programmed ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start\n`);

    const pid = operator.pid ?? 0;
    const idle = new TreeSampler(pid, 250);
    await sleep(20_000);
    const idleUsage = idle.stop();

    const toPublished: number[] = [];
    const fanouts: number[] = [];
    const toSidecars: number[] = [];
    const toProgrammed: number[] = [];
    const during = new TreeSampler(pid, 100);
    for (let e = 1; e <= EDITS; e++) {
      const before = published();
      const existing = cacheRule() as Obj;
      kube.put({ apiVersion: GV, kind: 'CacheRule', metadata: existing['metadata'], spec: { rules: [{ prefix: 'wallet', policy: 'Seconds', seconds: 1 + e }] }, status: existing['status'] });
      const t0 = performance.now();
      const next = await waitFor(() => (published() !== before ? published() : undefined), 'published', 60_000, 5);
      toPublished.push(performance.now() - t0);
      await waitFor(() => sidecarHashes.every((h) => h === next), 'every sidecar has it', 60_000, 5);
      toSidecars.push(performance.now() - t0);
      if (process.env['SCALE_DEBUG'] === '1') {
        const rel = gotAt.map((g) => g - t0).sort((a, b) => a - b);
        process.stdout.write(`edit ${e}: published ${toPublished.at(-1)?.toFixed(0)} ms; sidecars got it from ${rel[0]?.toFixed(0)} ms, p50 ${rel[Math.floor(rel.length / 2)]?.toFixed(0)}, p90 ${rel[Math.floor(rel.length * 0.9)]?.toFixed(0)}, last ${rel.at(-1)?.toFixed(0)}\n`);
      }
      await waitFor(() => programmedAll(next), 'Programmed with every sidecar', 60_000, 5);
      toProgrammed.push(performance.now() - t0);
      const m = /^jussi_operator_config_fanout_seconds\{polls="(\d+)"\} ([0-9.e-]+)/m.exec(await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text());
      if (m !== null) fanouts.push(Number(m[2]) * 1000);
      await sleep(2000);
    }
    const busy = during.stop();
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    const reviews = /^jussi_operator_token_reviews (\d+)/m.exec(metrics)?.[1] ?? '?';
    const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
    process.stdout.write([
      '',
      `| ${SIDECARS} sidecars | value |`,
      '|:---|---:|',
      `| operator CPU, sidecars idle-polling (20 s) | ${(idleUsage.cpuCores * 100).toFixed(1)}% of a core |`,
      `| operator RSS, peak while idle-polling | ${mib(idleUsage.peakRssBytes)} MiB |`,
      `| operator CPU during ${EDITS} edits (incl. 2 s pauses) | ${(busy.cpuCores * 100).toFixed(1)}% of a core |`,
      `| operator RSS, peak during edits | ${mib(busy.peakRssBytes)} MiB |`,
      `| edit → ConfigMap published, median (max) | ${median(toPublished).toFixed(0)} ms (${Math.max(...toPublished).toFixed(0)}) |`,
      `| operator: publish → all ${SIDECARS} held polls answered (fan-out), median (max) | ${median(fanouts).toFixed(0)} ms (${Math.max(...fanouts).toFixed(0)}) |`,
      `| edit → every simulated sidecar has the document, median (max) | ${median(toSidecars).toFixed(0)} ms (${Math.max(...toSidecars).toFixed(0)}) |`,
      `| edit → Programmed with ${SIDECARS}/${SIDECARS} sidecars, median (max) | ${median(toProgrammed).toFixed(0)} ms (${Math.max(...toProgrammed).toFixed(0)}) |`,
      `| TokenReviews sent (whole run) | ${reviews} |`,
      '',
    ].join('\n'));
    stopping = true;
    await agent.close().catch(() => undefined);
    await Promise.race([Promise.all(loops), sleep(5000)]);
  } finally {
    stopping = true;
    operator.kill('SIGTERM');
    await new Promise((r) => operator.once('exit', r));
    state.close();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
