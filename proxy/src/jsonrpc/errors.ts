// The one catalogue of JSON-RPC errors the proxy sends. Every error on the wire is built from
// an entry here: a stable code, a message template (jussi's text, byte for byte, where jussi has
// one) and whether the error is jussi's or ours.

export const ErrorKind = {
  ParseError: 'ParseError',
  InvalidRequest: 'InvalidRequest',
  InternalError: 'InternalError',
  ServerError: 'ServerError',
  RequestTimeout: 'RequestTimeout',
  ResponseTimeout: 'ResponseTimeout',
  UpstreamResponse: 'UpstreamResponse',
  InvalidNamespace: 'InvalidNamespace',
  InvalidNamespaceApi: 'InvalidNamespaceApi',
  InvalidUpstreamHost: 'InvalidUpstreamHost',
  InvalidUpstreamUrl: 'InvalidUpstreamUrl',
  BatchSize: 'BatchSize',
  Limits: 'Limits',
  AccountHistoryLimit: 'AccountHistoryLimit',
  CustomJsonOpLength: 'CustomJsonOpLength',
  NotFound: 'NotFound',
  MethodNotAllowed: 'MethodNotAllowed',
  PayloadTooLarge: 'PayloadTooLarge',
  RateLimited: 'RateLimited',
  AuthenticationRequired: 'AuthenticationRequired',
  InvalidCredentials: 'InvalidCredentials',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export interface ErrorDefinition {
  readonly code: number;
  /** `{name}` placeholders are filled from the error's fields; unknown ones stay as `name` (jussi's `Default`). */
  readonly template: string;
  readonly origin: 'jussi' | 'jsonrpc' | 'ours';
}

export const ERROR_CATALOGUE: Readonly<Record<ErrorKind, ErrorDefinition>> = {
  ParseError: { code: -32700, template: 'Parse error', origin: 'jsonrpc' },
  InvalidRequest: { code: -32600, template: 'Invalid Request', origin: 'jsonrpc' },
  InternalError: { code: -32603, template: 'Internal Error', origin: 'jussi' },
  ServerError: { code: -32000, template: 'Server error', origin: 'jussi' },
  RequestTimeout: { code: 1000, template: 'Request Timeout', origin: 'jussi' },
  ResponseTimeout: { code: 1050, template: 'Response Timeout', origin: 'jussi' },
  UpstreamResponse: { code: 1100, template: 'Upstream response error: {reason}', origin: 'jussi' },
  InvalidNamespace: { code: 1200, template: 'Invalid JSONRPC method namespace {namespace}', origin: 'jussi' },
  InvalidNamespaceApi: {
    code: 1300,
    template: 'Invalid JSONRPC method namespace, unable to resolve {namespace}.{api}',
    origin: 'jussi',
  },
  InvalidUpstreamHost: { code: 1400, template: 'Invalid/unresolvable upstream hostname {url}', origin: 'jussi' },
  InvalidUpstreamUrl: { code: 1500, template: 'Invalid/unhealthy upstream {url} {reason}', origin: 'jussi' },
  BatchSize: {
    code: 1600,
    template: 'JSONRPC batch size of {jrpc_batch_size} exceeds {jrpc_batch_size_limit}',
    origin: 'jussi',
  },
  Limits: { code: 1700, template: 'Request exceeded limit', origin: 'jussi' },
  AccountHistoryLimit: {
    code: 1701,
    // ARCHITECTURE item 11: the message names the configured limit (jussi hard-coded "100").
    template: 'Account History request exceeded limit. The max limit is {limit}. Your limit is {your_limit}',
    origin: 'jussi',
  },
  CustomJsonOpLength: { code: 1800, template: 'Custom JSON operation size limit of {size_limit} exceeded', origin: 'jussi' },
  // HTTP-level errors (ARCHITECTURE item 9): JSON-RPC bodies on 404/405/413.
  NotFound: { code: -32601, template: 'Not found: {path}', origin: 'ours' },
  MethodNotAllowed: { code: -32600, template: 'Method {method} not allowed on {path}; use {allowed}', origin: 'ours' },
  PayloadTooLarge: { code: -32600, template: 'Request body exceeds {limit} bytes', origin: 'ours' },
  // Edge protection (proxy/src/edge), numbered after jussi's limit errors: HTTP 429 and 401.
  RateLimited: { code: 1900, template: 'Rate limit exceeded', origin: 'ours' },
  AuthenticationRequired: { code: 1910, template: 'Authentication required', origin: 'ours' },
  InvalidCredentials: { code: 1911, template: 'Invalid credentials', origin: 'ours' },
};

export type ErrorFields = Readonly<Record<string, string | number>>;

/**
 * An error as a value: what went wrong, with the fields its message needs and, optionally,
 * a `reason` a person can act on (sent as `error.data.reason`, ARCHITECTURE item 10).
 */
export interface RpcError {
  readonly kind: ErrorKind;
  readonly code: number;
  readonly message: string;
  readonly reason?: string;
}

export function formatTemplate(template: string, fields: ErrorFields): string {
  return template.replace(/\{([a-z_]+)\}/g, (_m, name: string) =>
    Object.prototype.hasOwnProperty.call(fields, name) ? String(fields[name]) : name,
  );
}

export function rpcError(kind: ErrorKind, fields: ErrorFields = {}, reason?: string): RpcError {
  const def = ERROR_CATALOGUE[kind];
  const message = formatTemplate(def.template, fields);
  return reason === undefined ? { kind, code: def.code, message } : { kind, code: def.code, message, reason };
}

/** Thrown only inside the proxy to carry an `RpcError` across async boundaries; never escapes a request. */
export class RpcFailure extends Error {
  readonly error: RpcError;
  constructor(error: RpcError) {
    super(error.reason === undefined ? error.message : `${error.message}: ${error.reason}`);
    this.name = 'RpcFailure';
    this.error = error;
  }
}
