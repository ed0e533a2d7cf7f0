// The certificate the operator's HTTPS servers present right now, and who to tell when it
// changes: every replica's webhook and config servers swap to a rotated certificate for new
// connections (tls.Server.setSecureContext) without a restart.

import { createHash, X509Certificate } from 'node:crypto';
import { keyMatches } from './inspect.js';

export interface ServingMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  /** The CA bundle clients should trust (PEM), when known: injected into sidecars. */
  readonly caPem: string | null;
}

export class ServingCertificate {
  private current: ServingMaterial | null = null;
  private readonly listeners = new Set<(m: ServingMaterial) => void>();

  /** The material now, or null before the first certificate arrived. */
  get(): ServingMaterial | null {
    return this.current;
  }

  /**
   * Offers new material; ignored when equal to the current one. Returns an error message when
   * the key does not belong to the certificate (the current material keeps serving).
   */
  update(next: ServingMaterial): string | null {
    const c = this.current;
    if (c !== null && c.certPem === next.certPem && c.keyPem === next.keyPem && c.caPem === next.caPem) return null;
    if (!keyMatches(next.certPem, next.keyPem)) return 'the private key does not belong to the certificate';
    this.current = next;
    for (const l of [...this.listeners]) {
      try {
        l(next);
      } catch {
        // Listeners only swap contexts; one failing must not keep the others on the old one.
      }
    }
    return null;
  }

  onChange(listener: (m: ServingMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first material (at once when there is one). */
  whenReady(): Promise<ServingMaterial> {
    const now = this.current;
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve) => {
      const off = this.onChange((m) => {
        off();
        resolve(m);
      });
    });
  }

  /** Epoch ms the current certificate expires, 0 without one. */
  expiresAt(): number {
    const c = this.current;
    if (c === null) return 0;
    try {
      return new Date(new X509Certificate(c.certPem).validTo).getTime();
    } catch {
      return 0;
    }
  }

  /**
   * A secret only replicas holding the serving key know: operator peers authenticate to each
   * other with it (the key is shared through the Secret or the mounted certificate).
   */
  peerToken(): string | null {
    const c = this.current;
    return c === null ? null : createHash('sha256').update('jussi-operator-peer\n').update(c.keyPem).digest('base64url');
  }
}
