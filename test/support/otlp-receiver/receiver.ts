// A real OTLP/gRPC trace receiver for tests: a @grpc/grpc-js server on a free port implementing
// opentelemetry.proto.collector.trace.v1.TraceService/Export, decoding requests with
// @grpc/proto-loader from the OTLP .proto files beside this file (no installed package ships
// them), and collecting every span with its ids, name, kind, attributes, events and status.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import { repoRoot } from '../repo.js';

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export interface ReceivedEvent {
  readonly name: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export type SpanKindName = 'SPAN_KIND_UNSPECIFIED' | 'SPAN_KIND_INTERNAL' | 'SPAN_KIND_SERVER' | 'SPAN_KIND_CLIENT' | 'SPAN_KIND_PRODUCER' | 'SPAN_KIND_CONSUMER';
export type StatusCodeName = 'STATUS_CODE_UNSET' | 'STATUS_CODE_OK' | 'STATUS_CODE_ERROR';

export interface ReceivedSpan {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly ReceivedEvent[];
  readonly status: { readonly code: StatusCodeName; readonly message: string };
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: { readonly name: string; readonly version: string };
}

export interface OtlpReceiver {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the value for OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT. */
  readonly endpoint: string;
  /** Every span received so far, in arrival order. */
  readonly spans: readonly ReceivedSpan[];
  /** Export calls received. */
  readonly exportCalls: number;
  /** Resolves with all spans once `predicate(spans)` holds; rejects after `timeoutMs`. */
  waitForSpans(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<readonly ReceivedSpan[]>;
  clear(): void;
  close(): Promise<void>;
}

export const protoDir = join(repoRoot, 'test', 'support', 'otlp-receiver', 'proto');

// ------------------------------------------------------------------------------------------
// Decoding (proto-loader objects: camelCase fields, enums as names, int64 as strings, bytes as
// Buffers, oneofs named by a `value` member).

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function hex(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('hex') : '';
}

function nanos(v: unknown): bigint {
  return typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : 0n;
}

function anyValue(v: unknown): AttributeValue {
  if (!isRecord(v)) return null;
  switch (v['value']) {
    case 'stringValue':
      return text(v['stringValue']);
    case 'boolValue':
      return v['boolValue'] === true;
    case 'intValue':
      return Number(v['intValue']);
    case 'doubleValue':
      return typeof v['doubleValue'] === 'number' ? v['doubleValue'] : Number(v['doubleValue']);
    case 'arrayValue':
      return isRecord(v['arrayValue']) ? list(v['arrayValue']['values']).map(anyValue) : [];
    case 'kvlistValue':
      return isRecord(v['kvlistValue']) ? attributes(v['kvlistValue']['values']) : {};
    case 'bytesValue':
      return hex(v['bytesValue']);
    default:
      return null;
  }
}

function attributes(v: unknown): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list(v)) out[text(kv['key'])] = anyValue(kv['value']);
  return out;
}

export function decodeExportRequest(request: unknown): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  if (!isRecord(request)) return spans;
  for (const rs of list(request['resourceSpans'])) {
    const resource = isRecord(rs['resource']) ? attributes(rs['resource']['attributes']) : {};
    for (const ss of list(rs['scopeSpans'])) {
      const scopeMsg = isRecord(ss['scope']) ? ss['scope'] : {};
      const scope = { name: text(scopeMsg['name']), version: text(scopeMsg['version']) };
      for (const s of list(ss['spans'])) {
        const status = isRecord(s['status']) ? s['status'] : {};
        spans.push({
          traceId: hex(s['traceId']),
          spanId: hex(s['spanId']),
          parentSpanId: hex(s['parentSpanId']),
          traceState: text(s['traceState']),
          name: text(s['name']),
          kind: (text(s['kind']) || 'SPAN_KIND_UNSPECIFIED') as SpanKindName,
          startTimeUnixNano: nanos(s['startTimeUnixNano']),
          endTimeUnixNano: nanos(s['endTimeUnixNano']),
          attributes: attributes(s['attributes']),
          events: list(s['events']).map((e) => ({ name: text(e['name']), attributes: attributes(e['attributes']) })),
          status: { code: (text(status['code']) || 'STATUS_CODE_UNSET') as StatusCodeName, message: text(status['message']) },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

// ------------------------------------------------------------------------------------------

function traceServiceDefinition(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', {
    includeDirs: [protoDir],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const service = definition['opentelemetry.proto.collector.trace.v1.TraceService'];
  if (service === undefined || !('Export' in service)) throw new Error('TraceService not found in the OTLP protos');
  return service as grpc.ServiceDefinition;
}

export async function startOtlpReceiver(options: { readonly host?: string } = {}): Promise<OtlpReceiver> {
  const host = options.host ?? '127.0.0.1';
  const spans: ReceivedSpan[] = [];
  let exportCalls = 0;
  const waiters = new Set<() => void>();

  const server = new grpc.Server();
  server.addService(traceServiceDefinition(), {
    Export: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      exportCalls += 1;
      spans.push(...decodeExportRequest(call.request));
      callback(null, {});
      for (const wake of [...waiters]) wake();
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });

  return {
    port,
    endpoint: `http://${host}:${port}`,
    get spans() {
      return spans;
    },
    get exportCalls() {
      return exportCalls;
    },
    waitForSpans(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (!predicate(spans)) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(spans);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waitForSpans: condition not met within ${timeoutMs} ms; received ${spans.length} spans: ${spans.map((s) => s.name).join(', ')}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    clear() {
      spans.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

// ------------------------------------------------------------------------------------------
// Span tree helpers.

export function spansNamed(spans: readonly ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((s) => s.name === name);
}

export function childrenOf(spans: readonly ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);
}
