// Where config document texts come from: a file, the embedded example, or a Kubernetes
// ConfigMap. A source only delivers texts; it never parses or validates them (the loader does,
// and an invalid document is rejected whole by the caller while the last good one keeps serving).

/** One document text as read, with a description of where it came from (for logs and /state). */
export interface ConfigDocumentText {
  readonly text: string;
  /** E.g. `file /etc/jussi/config.json`, `embedded example config`, `configmap jussi/proxy-config key config.json`. */
  readonly origin: string;
}

/** The source could not produce a document (missing file, unreadable, ConfigMap or key absent). */
export interface ConfigSourceError {
  readonly origin: string;
  readonly message: string;
}

export interface ConfigSourceListener {
  /** A new document text (on start, on change, on every `reload()`). */
  document(doc: ConfigDocumentText): void;
  /** A problem reading the source; the source keeps watching and may deliver a document later. */
  error(err: ConfigSourceError): void;
}

export interface ConfigSource {
  /** Human-readable description, e.g. `file /etc/jussi/config.json`. */
  readonly description: string;
  /**
   * Starts watching. Resolves once the first read has completed, i.e. after the listener got the
   * first document or error. Listener callbacks are synchronous and must not throw.
   */
  start(listener: ConfigSourceListener): Promise<void>;
  /** Re-reads now (the proxy wires SIGHUP here) and delivers what it read, even when unchanged. */
  reload(): Promise<void>;
  /** Stops watching and releases handles; no callback fires after it resolves. Idempotent. */
  stop(): Promise<void>;
  /**
   * Told after each delivered document whether the proxy applied it (optional): the operator
   * source reports the hash the proxy runs back to the operator.
   */
  applied?(doc: ConfigDocumentText, ok: boolean): void;
}
