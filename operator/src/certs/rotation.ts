// When to issue new certificates, decided from what the Secret holds now: a pure function of the
// stored PEMs, the wanted host names and the clock. A certificate is renewed once less than
// `renewBefore` of its lifetime is left (one third by default: a one-year serving certificate is
// replaced four months before it expires), or at once when it is unreadable, does not match its
// key or CA, or lacks a wanted host.

import { createCertificateAuthority, createServingCertificate, type PemPair } from './generate.js';
import { inspectCertificate, pairMatches, splitPemBundle, type CertificateFacts } from './inspect.js';

/** What the self-managed Secret holds. `caBundlePem` starts with the signing CA; a CA being retired follows it. */
export interface StoredCertificates {
  readonly caBundlePem: string;
  readonly caKeyPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface RotationPolicy {
  readonly caValidityMs: number;
  readonly servingValidityMs: number;
  /** Share of a certificate's lifetime left at which it is renewed (default 1/3). */
  readonly renewBefore: number;
  readonly caCommonName: string;
}

export const DEFAULT_ROTATION: RotationPolicy = {
  caValidityMs: 10 * 365 * 24 * 3600_000,
  servingValidityMs: 365 * 24 * 3600_000,
  renewBefore: 1 / 3,
  caCommonName: 'jussi-operator-webhook-ca',
};

export type RotationPlan =
  | { readonly action: 'keep'; /** When the next renewal falls due. */ readonly renewAt: Date }
  | { readonly action: 'issue'; readonly newCa: boolean; readonly reason: string };

/** The moment a certificate valid over [notBefore, notAfter] is due for renewal. */
export function renewalTime(facts: Pick<CertificateFacts, 'notBefore' | 'notAfter'>, renewBefore: number): Date {
  const life = facts.notAfter.getTime() - facts.notBefore.getTime();
  return new Date(facts.notAfter.getTime() - life * renewBefore);
}

export function planRotation(stored: StoredCertificates | null, hosts: readonly string[], now: Date, policy: RotationPolicy): RotationPlan {
  if (stored === null) return { action: 'issue', newCa: true, reason: 'no certificate yet' };
  const caPem = splitPemBundle(stored.caBundlePem)[0];
  const ca = caPem === undefined ? null : inspectCertificate(caPem);
  if (caPem === undefined || ca === null || !ca.ok || !ca.facts.isCa) return { action: 'issue', newCa: true, reason: 'the stored CA certificate is missing or unreadable' };
  const caRenewAt = renewalTime(ca.facts, policy.renewBefore);
  if (now >= caRenewAt) return { action: 'issue', newCa: true, reason: `the CA expires on ${ca.facts.notAfter.toISOString()}` };
  if (!pairMatches(caPem, stored.caKeyPem, caPem)) return { action: 'issue', newCa: true, reason: 'the stored CA key does not match its certificate' };
  const leaf = inspectCertificate(stored.certPem);
  if (!leaf.ok) return { action: 'issue', newCa: false, reason: 'the serving certificate is unreadable' };
  if (!pairMatches(stored.certPem, stored.keyPem, caPem)) return { action: 'issue', newCa: false, reason: 'the serving certificate does not match its key or the CA' };
  const missing = hosts.filter((h) => !leaf.facts.hosts.includes(h));
  if (missing.length > 0) return { action: 'issue', newCa: false, reason: `the serving certificate lacks ${missing.join(', ')}` };
  const leafRenewAt = renewalTime(leaf.facts, policy.renewBefore);
  if (now >= leafRenewAt) return { action: 'issue', newCa: false, reason: `the serving certificate expires on ${leaf.facts.notAfter.toISOString()}` };
  return { action: 'keep', renewAt: leafRenewAt < caRenewAt ? leafRenewAt : caRenewAt };
}

/**
 * Carries out an `issue` plan. A new CA keeps the old one in the bundle while it is still valid,
 * so clients that trust only the old CA keep working until they pick up the new bundle.
 */
export async function issue(stored: StoredCertificates | null, plan: Extract<RotationPlan, { action: 'issue' }>, hosts: readonly string[], now: Date, policy: RotationPolicy): Promise<StoredCertificates> {
  let ca: PemPair;
  let bundle: string[];
  const oldCas = stored === null ? [] : splitPemBundle(stored.caBundlePem);
  if (plan.newCa || stored === null || oldCas.length === 0) {
    ca = await createCertificateAuthority(policy.caCommonName, { now, validityMs: policy.caValidityMs });
    const stillValid = oldCas.filter((pem) => {
      const f = inspectCertificate(pem);
      return f.ok && f.facts.notAfter > now;
    });
    bundle = [ca.certPem, ...stillValid.slice(0, 1)];
  } else {
    ca = { certPem: oldCas[0] ?? '', keyPem: stored.caKeyPem };
    bundle = oldCas.filter((pem) => {
      const f = inspectCertificate(pem);
      return f.ok && f.facts.notAfter > now;
    });
  }
  const serving = await createServingCertificate(ca, hosts, { now, validityMs: policy.servingValidityMs });
  return { caBundlePem: bundle.join(''), caKeyPem: ca.keyPem, certPem: serving.certPem, keyPem: serving.keyPem };
}
