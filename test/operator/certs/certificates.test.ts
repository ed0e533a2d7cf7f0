// Webhook certificates: generation (a CA and a serving certificate a TLS client accepts for the
// Service's names), the rotation rule on a clock, the self-managed Secret (created by the leader,
// renewed before expiry, the CA bundle patched into the webhook configuration), and an HTTPS
// server that presents a rotated certificate to new connections without a restart.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DirectoryCertificates } from '@jussi/operator/certs/directory-certificates';
import { createCertificateAuthority, createServingCertificate } from '@jussi/operator/certs/generate';
import { HttpsServer } from '@jussi/operator/certs/https-server';
import { inspectCertificate, splitPemBundle } from '@jussi/operator/certs/inspect';
import { DEFAULT_ROTATION, issue, planRotation, type RotationPolicy } from '@jussi/operator/certs/rotation';
import { SecretCertificates, storedFromSecret } from '@jussi/operator/certs/secret-certificates';
import { ServingCertificate } from '@jussi/operator/certs/serving-certificate';
import { WebhookCaBundle } from '@jussi/operator/certs/webhook-ca-bundle';
import { noopLogger } from '@jussi/proxy/observability/types';
import { FakeKube, waitFor } from '../../support/fake-kube/index.js';

const DAY = 24 * 3600_000;
const HOSTS = ['jussi-operator.jussi.svc', 'jussi-operator.jussi.svc.cluster.local', '127.0.0.1'];
const POLICY: RotationPolicy = { ...DEFAULT_ROTATION, caValidityMs: 300 * DAY, servingValidityMs: 30 * DAY };
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number): Date => new Date(T0.getTime() + days * DAY);

/** GET over TLS trusting `ca`, checking the name `servername`; resolves with the peer's certificate serial. */
function tlsGet(port: number, ca: string, servername = 'jussi-operator.jussi.svc'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', ca, servername, agent: false }, (res) => {
      const serial = (res.socket as unknown as { getPeerCertificate(): { serialNumber: string } }).getPeerCertificate().serialNumber;
      res.resume();
      res.on('end', () => resolve(serial));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('webhook certificates', () => {
  it('generates a CA and a serving certificate that TLS clients accept for the Service names', async () => {
    const ca = await createCertificateAuthority('test-ca', { now: new Date(), validityMs: 10 * DAY });
    const leaf = await createServingCertificate(ca, HOSTS, { now: new Date(), validityMs: DAY });
    const cert = new X509Certificate(leaf.certPem);
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.equal(new X509Certificate(ca.certPem).ca, true);
    assert.equal(cert.ca, false);
    const facts = inspectCertificate(leaf.certPem);
    assert.ok(facts.ok);
    assert.deepEqual(facts.facts.hosts, HOSTS);
    assert.equal(facts.facts.isCa, false);
    assert.match(cert.subjectAltName ?? '', /DNS:jussi-operator\.jussi\.svc, DNS:jussi-operator\.jussi\.svc\.cluster\.local, IP Address:127\.0\.0\.1/);
    const serving = new ServingCertificate();
    assert.equal(serving.update({ ...leaf, caPem: ca.certPem }), null);
    const server = new HttpsServer({ host: '127.0.0.1', port: 0, serving, handler: (_req, res) => res.end('ok') });
    const port = await server.start();
    try {
      await tlsGet(port, ca.certPem);
      await assert.rejects(tlsGet(port, ca.certPem, 'elsewhere.example'), /altnames|Hostname/i);
      const stranger = await createCertificateAuthority('stranger', { now: new Date(), validityMs: DAY });
      await assert.rejects(tlsGet(port, stranger.certPem), /self.signed|unable to verify|certificate/i);
    } finally {
      await server.close();
    }
  });

  it('rejects a key that does not belong to the certificate and keeps the current one', async () => {
    const ca = await createCertificateAuthority('ca', { now: new Date(), validityMs: DAY });
    const a = await createServingCertificate(ca, HOSTS, { now: new Date(), validityMs: DAY });
    const b = await createServingCertificate(ca, HOSTS, { now: new Date(), validityMs: DAY });
    const serving = new ServingCertificate();
    assert.equal(serving.update({ ...a, caPem: null }), null);
    assert.match(serving.update({ certPem: a.certPem, keyPem: b.keyPem, caPem: null }) ?? '', /does not belong/);
    assert.equal(serving.get()?.keyPem, a.keyPem);
  });

  it('renews the serving certificate once a third of its life is left, and the CA likewise, keeping the old CA in the bundle', async () => {
    assert.deepEqual(planRotation(null, HOSTS, T0, POLICY), { action: 'issue', newCa: true, reason: 'no certificate yet' });
    const first = await issue(null, { action: 'issue', newCa: true, reason: '' }, HOSTS, T0, POLICY);
    const keep = planRotation(first, HOSTS, at(1), POLICY);
    assert.equal(keep.action, 'keep');
    // 30-day certificate: due 10 days before it expires (20 days in).
    assert.equal(keep.action === 'keep' && Math.round((keep.renewAt.getTime() - T0.getTime()) / DAY), 20);
    assert.equal(planRotation(first, HOSTS, at(19.9), POLICY).action, 'keep');
    const due = planRotation(first, HOSTS, at(20.1), POLICY);
    assert.deepEqual(due.action === 'issue' && { newCa: due.newCa, reason: /serving certificate expires/.test(due.reason) }, { newCa: false, reason: true });
    const renewed = await issue(first, due as Extract<typeof due, { action: 'issue' }>, HOSTS, at(20.1), POLICY);
    assert.equal(renewed.caBundlePem, first.caBundlePem, 'same CA');
    assert.notEqual(renewed.certPem, first.certPem);
    assert.equal(planRotation(renewed, HOSTS, at(21), POLICY).action, 'keep');
    // A new host name needs a new certificate at once.
    const more = planRotation(renewed, [...HOSTS, 'extra.example'], at(21), POLICY);
    assert.ok(more.action === 'issue' && !more.newCa && /lacks extra\.example/.test(more.reason));
    // The CA (300 days) is due at day 200: a new CA signs, the old one stays trusted until it expires.
    const caDue = planRotation(renewed, HOSTS, at(200.5), POLICY);
    assert.ok(caDue.action === 'issue' && caDue.newCa);
    const rolled = await issue(renewed, caDue as Extract<typeof caDue, { action: 'issue' }>, HOSTS, at(200.5), POLICY);
    const bundle = splitPemBundle(rolled.caBundlePem);
    assert.equal(bundle.length, 2);
    assert.equal(bundle[1], splitPemBundle(first.caBundlePem)[0]);
    assert.ok(new X509Certificate(rolled.certPem).verify(new X509Certificate(bundle[0] ?? '').publicKey));
    // A corrupted Secret is replaced whole.
    assert.ok((() => {
      const p = planRotation({ ...rolled, caKeyPem: 'garbage' }, HOSTS, at(201), POLICY);
      return p.action === 'issue' && p.newCa;
    })());
    const mismatched = planRotation({ ...rolled, keyPem: first.keyPem }, HOSTS, at(201), POLICY);
    assert.ok(mismatched.action === 'issue' && !mismatched.newCa && /does not match/.test(mismatched.reason));
  });

  describe('self-managed in a Secret', () => {
    let kube: FakeKube;
    before(async () => {
      kube = await FakeKube.start();
      kube.put({
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'injector' },
        webhooks: [
          { name: 'namespace.sidecar.jussi.io', clientConfig: { service: { name: 'jussi-operator', namespace: 'jussi', path: '/mutate-v1-pod', port: 443 } } },
          { name: 'pod.sidecar.jussi.io', clientConfig: { service: { name: 'jussi-operator', namespace: 'jussi', path: '/mutate-v1-pod', port: 443 }, caBundle: 'c3RhbGU=' } },
        ],
      });
    });
    after(async () => kube.close());

    it('the leader issues and renews it; every replica serves it and swaps to the renewed one without a restart', async () => {
      // The first certificate is issued "21 days ago", so that renewing it "now" gives one a TLS client accepts.
      let now = new Date(Date.now() - 21 * DAY);
      let leading = true;
      const tuning = { backoffMinMs: 50, backoffMaxMs: 500, relistIntervalMs: 0 };
      const leaderServing = new ServingCertificate();
      const standbyServing = new ServingCertificate();
      const common = { kubeConfig: kube.kubeConfig('jussi'), namespace: 'jussi', name: 'webhook-tls', hosts: HOSTS, policy: POLICY, logger: noopLogger, tuning, now: () => now };
      const leader = new SecretCertificates({ ...common, serving: leaderServing, leading: () => leading });
      const standby = new SecretCertificates({ ...common, serving: standbyServing, leading: () => false });
      const bundle = new WebhookCaBundle({ kubeConfig: kube.kubeConfig('jussi'), name: 'injector', serving: leaderServing, leading: () => leading, logger: noopLogger, tuning });
      const server = new HttpsServer({ host: '127.0.0.1', port: 0, serving: standbyServing, handler: (_req, res) => res.end('ok') });
      try {
        await Promise.all([standby.start(), bundle.start()]);
        await leader.start();
        const secret = await waitFor(() => storedFromSecret(kube.get('v1', 'Secret', 'jussi', 'webhook-tls') as { data?: Record<string, string> } | undefined), 'the Secret', 20_000);
        // The Secret is visible before the leader has read the create's answer: wait for that too.
        await waitFor(() => leader.issuedCount === 1, 'the leader counted its certificate');
        await waitFor(() => standbyServing.get()?.certPem === secret.certPem, 'the standby serves it', 20_000);
        const port = await server.start();
        const firstSerial = await tlsGet(port, secret.caBundlePem);
        const ca64 = Buffer.from(secret.caBundlePem).toString('base64');
        const webhooks = await waitFor(() => {
          const w = (kube.get('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', '', 'injector') as { webhooks: { clientConfig: { caBundle?: string } }[] }).webhooks;
          return w.every((x) => x.clientConfig.caBundle === ca64) ? w : undefined;
        }, 'both webhooks carry the CA bundle', 20_000);
        assert.equal(webhooks.length, 2);
        // Restarting changes nothing while the certificate is fresh.
        leader.check();
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(leader.issuedCount, 1);
        // 21 days later the serving certificate is due: the leader renews it, the standby's server presents it.
        now = new Date();
        leader.check();
        const renewed = await waitFor(() => {
          const s = storedFromSecret(kube.get('v1', 'Secret', 'jussi', 'webhook-tls') as { data?: Record<string, string> } | undefined);
          return s !== null && s.certPem !== secret.certPem ? s : undefined;
        }, 'the renewed certificate', 20_000);
        assert.equal(renewed.caBundlePem, secret.caBundlePem);
        await waitFor(() => standbyServing.get()?.certPem === renewed.certPem, 'the standby swaps', 20_000);
        const secondSerial = await tlsGet(port, secret.caBundlePem);
        assert.notEqual(secondSerial, firstSerial);
        assert.equal(secondSerial.toLowerCase(), new X509Certificate(renewed.certPem).serialNumber.toLowerCase());
        // A `helm upgrade` resets caBundle: the leader puts it back.
        const cfg = kube.get('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', '', 'injector') as { webhooks: { clientConfig: Record<string, unknown> }[] };
        for (const w of cfg.webhooks) delete w.clientConfig['caBundle'];
        kube.put(cfg);
        await waitFor(() => (kube.get('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', '', 'injector') as { webhooks: { clientConfig: { caBundle?: string } }[] }).webhooks.every((x) => x.clientConfig.caBundle === ca64), 'caBundle restored', 20_000);
        // A standby never writes.
        leading = false;
        now = new Date(now.getTime() + 40 * DAY);
        leader.check();
        standby.check();
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(kube.writes({ path: /secrets/ }).length, 2);
      } finally {
        await server.close();
        await Promise.all([leader.stop(), standby.stop(), bundle.stop()]);
      }
    });
  });

  it('reads certificates from a directory (cert-manager) and picks up a renewed pair', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jussi-certs-'));
    const ca = await createCertificateAuthority('cm-ca', { now: new Date(), validityMs: 10 * DAY });
    const a = await createServingCertificate(ca, HOSTS, { now: new Date(), validityMs: DAY });
    const b = await createServingCertificate(ca, HOSTS, { now: new Date(), validityMs: DAY });
    writeFileSync(join(dir, 'tls.crt'), a.certPem);
    writeFileSync(join(dir, 'tls.key'), a.keyPem);
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    const serving = new ServingCertificate();
    const source = new DirectoryCertificates({ dir, serving, logger: noopLogger, pollIntervalMs: 50 });
    try {
      await source.start();
      assert.equal(serving.get()?.certPem, a.certPem);
      assert.equal(serving.get()?.caPem, ca.certPem);
      // Half-written (new cert, old key): ignored until the key arrives too.
      writeFileSync(join(dir, 'tls.crt'), b.certPem);
      await source.read();
      assert.equal(serving.get()?.certPem, a.certPem);
      writeFileSync(join(dir, 'tls.key'), b.keyPem);
      await waitFor(() => serving.get()?.certPem === b.certPem, 'the renewed pair', 10_000);
    } finally {
      await source.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
