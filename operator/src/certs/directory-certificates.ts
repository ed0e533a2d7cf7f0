// Certificates from a directory (OPERATOR_WEBHOOK_CERT_DIR: tls.crt, tls.key and, when
// present, ca.crt), as cert-manager or a user provides them in a mounted Secret. The kubelet
// swaps a mounted Secret's files in place when it is renewed, so the directory is re-read on a
// short period and a changed, valid pair is served from then on: no restart.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@jussi/proxy/observability/types';
import type { ServingCertificate } from './serving-certificate.js';

export interface DirectoryCertificatesOptions {
  readonly dir: string;
  readonly serving: ServingCertificate;
  readonly logger: Logger;
  /** Re-read period (default 10 s). */
  readonly pollIntervalMs?: number;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export class DirectoryCertificates {
  private timer: NodeJS.Timeout | null = null;
  private lastProblem: string | null = null;

  constructor(private readonly options: DirectoryCertificatesOptions) {}

  get description(): string {
    return `directory ${this.options.dir}`;
  }

  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => void this.read(), this.options.pollIntervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return Promise.resolve();
  }

  /** Reads the files now; a problem is logged once and the current certificate keeps serving. */
  async read(): Promise<void> {
    const { dir, serving, logger } = this.options;
    const [certPem, keyPem, caPem] = await Promise.all(['tls.crt', 'tls.key', 'ca.crt'].map((f) => readOptional(join(dir, f))));
    let problem: string | null = null;
    if (certPem === null || certPem === undefined || keyPem === null || keyPem === undefined) problem = `${dir} needs tls.crt and tls.key`;
    else problem = serving.update({ certPem, keyPem, caPem: caPem ?? null });
    if (problem !== null && problem !== this.lastProblem) logger.warn({ dir, error: { type: 'CertificateError', message: problem } }, 'webhook certificate not usable; the current one keeps serving');
    this.lastProblem = problem;
  }
}
