// One WebSocket connection to a JSON-RPC upstream, carrying many calls at once: each answer is
// matched to its call by the JSON-RPC id (ARCHITECTURE item 12). The pool decides which calls
// go where; this class keeps the id table, detects a dead peer with ping/pong, and when the
// connection ends fails every call still on it at once.

import WebSocket from 'ws';
import { describeError, networkErrorKind } from './network-errors.js';
import { UpstreamError } from './types.js';
import type { UpstreamErrorKind, UpstreamReply } from './types.js';

/** A call placed on a connection; settled exactly once, by the connection or by `forget`. */
export interface PendingCall {
  readonly id: number;
  readonly payload: string;
  resolve(reply: UpstreamReply): void;
  reject(error: UpstreamError): void;
}

export type UnmatchedKind = 'late' | 'unknown' | 'invalid';

export interface WsConnectionHooks {
  opened(connection: WsConnection): void;
  /** The connection is gone; `wasOpen` false means connecting failed. Its calls were already failed. */
  ended(connection: WsConnection, wasOpen: boolean, error: UpstreamError): void;
  /** A call left this connection (answered, failed to send, or forgotten): a slot is free. */
  freed(connection: WsConnection): void;
  /** The peer showed it is alive (a message or a pong arrived). */
  alive(connection: WsConnection): void;
  /** A message matched no call: an answer to a forgotten call, an unknown id, or not JSON-RPC. */
  unmatched(connection: WsConnection, kind: UnmatchedKind, detail: string): void;
}

export interface WsConnectionOptions {
  /** May carry credentials (ws sends them as Basic authorization). */
  readonly rawUrl: string;
  /** Redacted URL used in replies and errors. */
  readonly url: string;
  /** Largest message accepted, bytes; 0 = no limit. */
  readonly maxPayload: number;
  readonly handshakeTimeoutMs: number;
  /** A ping is sent this often; no sign of life until the next one ends the connection. 0 = off. */
  readonly pingIntervalMs: number;
}

/** How many forgotten (timed-out) ids are remembered to tell a late answer from an unknown one. */
const FORGOTTEN_LIMIT = 1024;

export class WsConnection {
  private readonly socket: WebSocket;
  private readonly calls = new Map<number, PendingCall>();
  private readonly forgotten = new Set<number>();
  private state: 'connecting' | 'open' | 'ended' = 'connecting';
  /** Why we are ending the connection, when we decided it (shutdown, dead peer, bad frame). */
  private endError: UpstreamError | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private sawLife = true;
  private answered = false;
  private endedPromise: Promise<void>;
  private markEnded: () => void = () => {};

  constructor(
    private readonly options: WsConnectionOptions,
    private readonly hooks: WsConnectionHooks,
  ) {
    this.endedPromise = new Promise<void>((resolve) => {
      this.markEnded = resolve;
    });
    this.socket = new WebSocket(options.rawUrl, {
      maxPayload: options.maxPayload,
      handshakeTimeout: options.handshakeTimeoutMs,
      perMessageDeflate: false,
      followRedirects: false,
    });
    this.socket.on('open', () => this.onOpen());
    this.socket.on('message', (data: WebSocket.RawData) => this.onMessage(data));
    this.socket.on('pong', () => this.onLife());
    this.socket.on('error', (err: Error) => this.onError(err));
    this.socket.on('close', () => this.onClose());
  }

  /** Whether the peer ever answered on this connection (a message or a pong). */
  get showedLife(): boolean {
    return this.answered;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Calls in flight on this connection. */
  get load(): number {
    return this.calls.size;
  }

  has(id: number): boolean {
    return this.calls.has(id);
  }

  /** Sends a call; the pool checked `isOpen` and that the id is not already in flight here. */
  send(call: PendingCall): void {
    this.calls.set(call.id, call);
    this.socket.send(call.payload, (err?: Error | null) => {
      if (err == null || this.calls.get(call.id) !== call) return;
      this.calls.delete(call.id);
      call.reject(new UpstreamError('closed', this.options.url, `${this.options.url}: send failed: ${describeError(err)}`, { cause: err }));
      this.hooks.freed(this);
    });
  }

  /** Drops a call that timed out or was aborted; a late answer to it is then ignored. */
  forget(id: number): void {
    if (!this.calls.delete(id)) return;
    this.forgotten.add(id);
    if (this.forgotten.size > FORGOTTEN_LIMIT) {
      const oldest = this.forgotten.values().next();
      if (oldest.done !== true) this.forgotten.delete(oldest.value);
    }
    this.hooks.freed(this);
  }

  /** Ends the connection now; calls on it fail with `error`. */
  terminate(error: UpstreamError): void {
    if (this.state === 'ended') return;
    this.endError ??= error;
    this.socket.terminate();
  }

  /** Closes politely (close frame), terminating if the peer does not answer within `waitMs`. */
  async shutdown(error: UpstreamError, waitMs: number): Promise<void> {
    if (this.state === 'ended') return;
    this.endError ??= error;
    if (this.state === 'connecting') {
      this.socket.terminate();
    } else {
      this.socket.close(1001, 'going away');
    }
    const timer = setTimeout(() => this.socket.terminate(), waitMs);
    await this.endedPromise;
    clearTimeout(timer);
  }

  private onOpen(): void {
    this.state = 'open';
    if (this.options.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.heartbeat(), this.options.pingIntervalMs);
      this.pingTimer.unref();
    }
    this.hooks.opened(this);
  }

  private heartbeat(): void {
    if (!this.sawLife) {
      this.terminate(new UpstreamError('closed', this.options.url, `${this.options.url}: no pong within ${this.options.pingIntervalMs} ms, peer presumed dead`));
      return;
    }
    this.sawLife = false;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
  }

  private onLife(): void {
    this.sawLife = true;
    this.answered = true;
    this.hooks.alive(this);
  }

  private onMessage(data: WebSocket.RawData): void {
    this.onLife();
    const text = rawDataToText(data);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.hooks.unmatched(this, 'invalid', `message is not JSON (${text.length} chars)`);
      return;
    }
    const id = responseId(json);
    if (id === undefined) {
      this.hooks.unmatched(this, 'invalid', 'message has no numeric id');
      return;
    }
    const call = this.calls.get(id);
    if (call === undefined) {
      if (this.forgotten.delete(id)) this.hooks.unmatched(this, 'late', `answer to forgotten call ${id}`);
      else this.hooks.unmatched(this, 'unknown', `answer with unknown id ${id}`);
      return;
    }
    this.calls.delete(id);
    call.resolve({ status: 200, body: text, json, url: this.options.url });
    this.hooks.freed(this);
  }

  private onError(err: Error): void {
    if (this.endError !== null) return;
    const code = (err as { code?: unknown }).code;
    const kind: UpstreamErrorKind =
      this.state === 'connecting' ? 'connect' : code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'protocol' : networkErrorKind(err);
    const what = code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? `message larger than ${this.options.maxPayload} bytes (JUSSI_UPSTREAM_MAX_RESPONSE_SIZE or JUSSI_WEBSOCKET_MAX_MESSAGE_SIZE); connection closed` : describeError(err);
    this.endError = new UpstreamError(kind, this.options.url, `${this.options.url}: ${what}`, { cause: err });
  }

  private onClose(): void {
    const wasOpen = this.state === 'open';
    this.state = 'ended';
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    const error =
      this.endError ??
      new UpstreamError(wasOpen ? 'closed' : 'connect', this.options.url, `${this.options.url}: connection ${wasOpen ? 'closed by peer' : 'failed'}`);
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.forgotten.clear();
    for (const call of calls) call.reject(error);
    this.markEnded();
    this.hooks.ended(this, wasOpen, error);
  }
}

function rawDataToText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The id of a JSON-RPC answer as the integer the proxy assigned (jussi: `int(response.id)`). */
function responseId(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const id = (json as { id?: unknown }).id;
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  if (typeof id === 'string' && /^-?\d+$/.test(id)) return Number(id);
  return undefined;
}
