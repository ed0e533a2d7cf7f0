// Generates the webhook's certificates: a self-signed CA and a serving certificate it signs,
// both ECDSA P-256 (fast to make, accepted by the API server and Node), with @peculiar/x509 on
// Node's WebCrypto. Pure apart from the key generation's randomness: the clock is an input.

import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Certificates start a little in the past, so a skewed clock elsewhere does not reject them. */
const BACKDATE_MS = 5 * 60_000;

/** A certificate and its private key, PEM-encoded (what a kubernetes.io/tls Secret holds). */
export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CertificateOptions {
  readonly now: Date;
  readonly validityMs: number;
}

function serial(): string {
  // 16 random bytes, the top bit cleared so the DER integer stays positive (RFC 5280 4.1.2.2).
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

/** PEM blocks end with a newline, so bundles concatenate cleanly. */
function pem(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return pem(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

function window(options: CertificateOptions): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(options.now.getTime() - BACKDATE_MS), notAfter: new Date(options.now.getTime() + options.validityMs) };
}

/** A CA that may sign serving certificates only (path length 0). */
export async function createCertificateAuthority(commonName: string, options: CertificateOptions): Promise<PemPair> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    ...window(options),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) };
}

/**
 * A serving certificate for `hosts` (DNS names and IP addresses; the first is the common
 * name), signed by `ca`.
 */
export async function createServingCertificate(ca: PemPair, hosts: readonly string[], options: CertificateOptions): Promise<PemPair> {
  if (hosts.length === 0) throw new Error('a serving certificate needs at least one host name');
  const issuer = new x509.X509Certificate(ca.certPem);
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0] ?? ''}`,
    issuer: issuer.subject,
    ...window(options),
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.keyPem),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) === 0 ? { type: 'dns' as const, value: h } : { type: 'ip' as const, value: h }))),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
    ],
  });
  return { certPem: pem(cert.toString('pem')), keyPem: await keyPem(keys.privateKey) };
}
