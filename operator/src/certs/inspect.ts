// Reads what the rotation decisions need from PEM text, with Node's own X.509 parser: validity
// window, SANs, and whether a certificate was signed by a given CA. Bad input is a value, not a
// throw.

import { X509Certificate, createPrivateKey } from 'node:crypto';

export interface CertificateFacts {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DNS names and IP addresses of the subjectAltName extension. */
  readonly hosts: readonly string[];
  readonly isCa: boolean;
  readonly fingerprint: string;
}

export type Inspected = { readonly ok: true; readonly facts: CertificateFacts } | { readonly ok: false; readonly message: string };

/** The first certificate of a PEM bundle. */
export function inspectCertificate(pem: string): Inspected {
  try {
    const cert = new X509Certificate(pem);
    const hosts = (cert.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim())
      .flatMap((s) => {
        const m = /^(DNS|IP Address):(.+)$/.exec(s);
        return m?.[2] === undefined ? [] : [m[2]];
      });
    return { ok: true, facts: { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo), hosts, isCa: cert.ca, fingerprint: cert.fingerprint256 } };
  } catch (err) {
    return { ok: false, message: `not a readable PEM certificate: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** True when `leafPem` is signed by `caPem` and `keyPem` is the leaf's private key. */
export function pairMatches(leafPem: string, keyPem: string, caPem: string): boolean {
  try {
    const leaf = new X509Certificate(leafPem);
    const ca = new X509Certificate(caPem);
    return leaf.verify(ca.publicKey) && leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** True when `keyPem` is the private key of `certPem`. */
export function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** Every certificate in a PEM bundle, as separate PEM blocks. */
export function splitPemBundle(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((b) => `${b}\n`) ?? [];
}
