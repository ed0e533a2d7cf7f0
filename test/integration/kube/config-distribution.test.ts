// The config long-poll between sidecars and the operator, both real halves: the operator's
// ConfigServer over HTTPS (tokens checked with TokenReview on the fake API server) and the
// proxy's OperatorConfigSource. Covers the protocol answers (503 before a document, 200, 304,
// a held poll woken by a change), token and namespace refusals, the TokenReview cache, the
// fallback file while the operator is away at start, and the last good document kept through an
// operator outage.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { createCertificateAuthority, createServingCertificate, type PemPair } from '@jussi/operator/certs/generate';
import { HttpsServer } from '@jussi/operator/certs/https-server';
import { ServingCertificate } from '@jussi/operator/certs/serving-certificate';
import { ConfigFeed } from '@jussi/operator/distribution/config-feed';
import { ConfigServer } from '@jussi/operator/distribution/config-server';
import { SidecarRegistry } from '@jussi/operator/distribution/sidecar-registry';
import { TokenReviewer } from '@jussi/operator/distribution/token-reviewer';
import { configHash } from '@jussi/proxy/config/load';
import { FileConfigSource } from '@jussi/proxy/config/sources/file-source';
import { OperatorConfigSource } from '@jussi/proxy/config/sources/operator-source';
import type { ConfigDocumentText, ConfigSourceError } from '@jussi/proxy/config/sources/source';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor } from '../../support/fake-kube/index.js';
import { freePort } from '../../support/fake-upstream/index.js';

const AUDIENCE = 'jussi-operator';
const DOC_A = '{"upstreams":[{"name":"a","urls":[["a","http://127.0.0.1:1"]],"ttls":[["a",3]]}]}';
const DOC_B = '{"upstreams":[{"name":"b","urls":[["b","http://127.0.0.1:1"]],"ttls":[["b",3]]}]}';
const FALLBACK = '{"upstreams":[{"name":"fallback","urls":[["fallback","http://127.0.0.1:1"]]}]}';

interface Operator {
  feed: ConfigFeed;
  registry: SidecarRegistry;
  reviewer: TokenReviewer;
  https: HttpsServer;
  server: ConfigServer;
}

describe('config distribution (operator ConfigServer and proxy OperatorConfigSource)', () => {
  let kube: FakeKube;
  let ca: PemPair;
  let serving: ServingCertificate;
  let dir: string;
  let port: number;
  let op: Operator | null = null;
  let agent: Agent;
  let podUid: string;

  const startOperator = async (allowedNamespaces: string[] = []): Promise<Operator> => {
    const feed = new ConfigFeed();
    const registry = new SidecarRegistry();
    const reviewer = new TokenReviewer({ kubeConfig: kube.kubeConfig('jussi'), audience: AUDIENCE });
    const server = new ConfigServer({ feed, registry, review: (t) => reviewer.review(t), allowedNamespaces, maxWaitSeconds: 30, peerToken: () => serving.peerToken(), logger: noopLogger });
    const https = new HttpsServer({ host: '127.0.0.1', port, serving, handler: server.handler, requestTimeoutMs: 60_000 });
    await https.start();
    op = { feed, registry, reviewer, https, server };
    return op;
  };
  const stopOperator = async (): Promise<void> => {
    await op?.https.close();
    op = null;
    // Pooled connections died with the server.
    await agent.close();
    agent = new Agent({ connect: { ca: ca.certPem } });
  };
  const token = (namespace = 'apps', audiences = [AUDIENCE]): string => kube.issueToken({ namespace, serviceAccount: 'wallet', audiences, pod: { name: 'wallet-1', uid: podUid } });
  const poll = async (tok: string | null, headers: Record<string, string> = {}, wait = 0): Promise<{ status: number; etag: string | undefined; text: string }> => {
    const res = await request(`https://127.0.0.1:${port}/v1/config?wait=${wait}`, { dispatcher: agent, headers: { ...(tok === null ? {} : { authorization: `Bearer ${tok}` }), ...headers } });
    return { status: res.statusCode, etag: res.headers['etag'] as string | undefined, text: await res.body.text() };
  };

  before(async () => {
    kube = await FakeKube.start();
    const pod = kube.putPod({ name: 'wallet-1', namespace: 'apps' }) as { metadata: { uid: string } };
    podUid = pod.metadata.uid;
    ca = await createCertificateAuthority('test', { now: new Date(), validityMs: 86_400_000 });
    serving = new ServingCertificate();
    serving.update({ ...(await createServingCertificate(ca, ['127.0.0.1'], { now: new Date(), validityMs: 86_400_000 })), caPem: ca.certPem });
    agent = new Agent({ connect: { ca: ca.certPem } });
    dir = mkdtempSync(join(tmpdir(), 'jussi-dist-'));
    port = await freePort();
  });
  after(async () => {
    await stopOperator();
    await agent.close();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 before a document, then 200 with an ETag, 304 when unchanged, and wakes a held poll on a change', async () => {
    const o = await startOperator();
    const tok = token();
    const before = await poll(tok);
    assert.equal(before.status, 503);
    assert.match(before.text, /no config has been published yet/);
    o.feed.set(DOC_A);
    const first = await poll(tok);
    assert.equal(first.status, 200);
    assert.equal(first.text, DOC_A);
    assert.equal(first.etag, `"${configHash(DOC_A)}"`);
    const same = await poll(tok, { 'if-none-match': first.etag ?? '' });
    assert.equal(same.status, 304);
    const held = poll(tok, { 'if-none-match': first.etag ?? '' }, 30);
    await waitFor(() => o.server.counts.waiting === 1, 'the poll is held');
    o.feed.set(DOC_B);
    const woken = await held;
    assert.equal(woken.status, 200);
    assert.equal(woken.text, DOC_B);
    assert.equal(o.server.counts.waiting, 0);
    // Six polls with the same token: one TokenReview.
    assert.equal(o.reviewer.reviewCount, 1);
    await stopOperator();
  });

  it('refuses missing tokens, tokens for another audience, tokens of a deleted pod and namespaces not allowed', async () => {
    const o = await startOperator(['apps']);
    o.feed.set(DOC_A);
    assert.equal((await poll(null)).status, 401);
    const wrong = await poll(token('apps', ['https://kubernetes.default.svc.cluster.local']));
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /audiences is invalid/);
    const other = kube.issueToken({ namespace: 'other', serviceAccount: 'x', audiences: [AUDIENCE] });
    const denied = await poll(other);
    assert.equal(denied.status, 403);
    assert.match(denied.text, /pods of namespace other may not read the config \(allowed: apps\)/);
    const gone = kube.putPod({ name: 'gone', namespace: 'apps' }) as { metadata: { uid: string } };
    const goneToken = kube.issueToken({ namespace: 'apps', serviceAccount: 'wallet', audiences: [AUDIENCE], pod: { name: 'gone', uid: gone.metadata.uid } });
    kube.remove('v1', 'Pod', 'apps', 'gone');
    assert.equal((await poll(goneToken)).status, 401);
    await stopOperator();
  });

  it('the sidecar starts from the fallback file while the operator is away, then follows the operator, and keeps its last good document through an outage', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, token());
    const fallbackFile = join(dir, 'config.json');
    writeFileSync(fallbackFile, FALLBACK);
    const docs: ConfigDocumentText[] = [];
    const errors: ConfigSourceError[] = [];
    const source = new OperatorConfigSource({
      url: `https://127.0.0.1:${port}`, tokenFile, caPem: ca.certPem, waitSeconds: 30, adminPort: 9191,
      fallback: new FileConfigSource(fallbackFile), backoffMinMs: 50, backoffMaxMs: 200,
    });
    try {
      await source.start({
        document: (d) => {
          docs.push(d);
          source.applied(d, true);
        },
        error: (e) => errors.push(e),
      });
      assert.equal(docs[0]?.text, FALLBACK, `the fallback file first: ${JSON.stringify({ docs, errors })}`);
      assert.match(errors[0]?.message ?? '', /ECONNREFUSED|connect/);
      const o = await startOperator();
      o.feed.set(DOC_A);
      await waitFor(() => docs.at(-1)?.text === DOC_A, 'the operator document');
      assert.match(docs.at(-1)?.origin ?? '', /^operator https:\/\/127\.0\.0\.1/);
      // The operator counts the sidecar and the hash it runs.
      const entry = await waitFor(() => o.registry.live().find((e) => e.runningHash === configHash(DOC_A)), 'the running hash reported');
      assert.deepEqual({ pod: entry.pod, namespace: entry.namespace, adminPort: entry.adminPort, key: entry.key }, { pod: 'wallet-1', namespace: 'apps', adminPort: 9191, key: podUid });
      o.feed.set(DOC_B);
      await waitFor(() => docs.at(-1)?.text === DOC_B, 'the change');
      // Operator down: nothing new is delivered, the fallback file is not used again.
      await stopOperator();
      writeFileSync(fallbackFile, `${FALLBACK}\n`);
      await waitFor(() => errors.some((e) => /keeps serving/.test(e.message)), 'the outage reported');
      assert.equal(docs.at(-1)?.text, DOC_B);
      const o2 = await startOperator();
      o2.feed.set(DOC_B);
      await waitFor(() => o2.registry.live().some((e) => e.runningHash === configHash(DOC_B)), 'reconnected');
      assert.equal(docs.at(-1)?.text, DOC_B, 'an unchanged document is not delivered again');
      assert.ok(!docs.some((d, i) => i > 0 && d.text.startsWith(FALLBACK)));
    } finally {
      await source.stop();
      await stopOperator();
    }
  });
});
