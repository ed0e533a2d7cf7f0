// What the request path needs from an upstream, whatever carries it (undici Pool, a pool of
// WebSocket connections, or a failover list of either).

export type UpstreamProtocol = 'http' | 'websocket';

export interface UpstreamCall {
  /** The JSON-RPC request to send, serialised (raw UTF-8), carrying `upstreamId` as its id. */
  readonly payload: string;
  /** Proxy-assigned id inside `payload`; WebSocket answers are matched to calls by it. */
  readonly upstreamId: number;
  /** Aborted when the item's timeout expires or the client goes away. */
  readonly signal: AbortSignal;
  /** Extra HTTP headers (x-jussi-request-id, x-amzn-trace-id, traceparent); ignored on WebSocket. */
  readonly headers: Readonly<Record<string, string>>;
  /** Only idempotent reads may be retried or sent to the next URL of a failover list. */
  readonly idempotent: boolean;
}

export interface UpstreamReply {
  /** HTTP status; 200 for WebSocket messages. */
  readonly status: number;
  /** The body as received (UTF-8 text). */
  readonly body: string;
  /** Set when the carrier already parsed the body (WebSocket id matching); saves a second parse. */
  readonly json?: unknown;
  /** URL that answered (for a failover list, the one that finally did). */
  readonly url: string;
}

export type UpstreamErrorKind =
  | 'connect' // could not connect / connection refused / DNS
  | 'closed' // connection dropped while the call was in flight
  | 'timeout' // the call's signal fired (the caller decides whether that is 1000)
  | 'aborted' // aborted for another reason (client gone, shutdown)
  | 'protocol' // the peer broke the protocol (bad frame, oversized message)
  | 'overloaded' // the pool cannot take more calls (queue limit)
  | 'shutdown'; // the upstream is closing (config reload removed it, process stopping)

/** The only error an `Upstream.send` rejects with. */
export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly url: string;
  constructor(kind: UpstreamErrorKind, url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
    this.kind = kind;
    this.url = url;
  }
}

export interface UpstreamStats {
  readonly url: string;
  readonly protocol: UpstreamProtocol;
  /** Open connections. */
  readonly size: number;
  /** Connections carrying at least one call. */
  readonly active: number;
  readonly idle: number;
  /** Calls waiting for a connection. */
  readonly pending: number;
  /** Calls sent and not yet answered. */
  readonly inFlight: number;
  readonly healthy: boolean;
  /** Last error seen, for /state and /health; null when the last call succeeded. */
  readonly lastError: string | null;
}

export interface Upstream {
  readonly url: string;
  readonly protocol: UpstreamProtocol;
  send(call: UpstreamCall): Promise<UpstreamReply>;
  stats(): UpstreamStats;
  /** Stop taking calls, let in-flight ones finish (up to graceMs), then close connections. */
  close(graceMs: number): Promise<void>;
}
