// Starts a config source and reports what its first read gave, so a process can refuse to start
// on an invalid config (file and embedded sources) or wait for a valid one (ConfigMap).

import type { ConfigDocumentText, ConfigSource, ConfigSourceError } from '../config/sources/source.js';

export type FirstRead = { readonly kind: 'document'; readonly ok: boolean; readonly message: string | null } | { readonly kind: 'error'; readonly error: ConfigSourceError };

export interface SourceHandlers {
  /** Applies a document; returns null when accepted, else the rejection message. */
  apply(doc: ConfigDocumentText): string | null;
  error(err: ConfigSourceError): void;
}

export async function startSource(source: ConfigSource, handlers: SourceHandlers): Promise<FirstRead> {
  let first: FirstRead | null = null;
  await source.start({
    document(doc) {
      const message = handlers.apply(doc);
      source.applied?.(doc, message === null);
      first ??= { kind: 'document', ok: message === null, message };
    },
    error(err) {
      handlers.error(err);
      first ??= { kind: 'error', error: err };
    },
  });
  return first ?? { kind: 'error', error: { origin: source.description, message: 'the source delivered nothing' } };
}

export function firstReadFailure(first: FirstRead): string | null {
  if (first.kind === 'error') return `${first.error.origin}: ${first.error.message}`;
  return first.ok ? null : first.message;
}
