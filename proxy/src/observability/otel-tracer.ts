// The proxy's `Tracer`/`SpanHandle` facade over @opentelemetry/api. Spans are parented
// explicitly (a child names its parent handle), so no context manager or async-hooks work is
// needed on the request path. Every method swallows its own failures: tracing never fails a
// request.

import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Context,
  type Span,
  type TextMapPropagator,
  type Tracer as ApiTracer,
} from '@opentelemetry/api';
import { scrubString, toLogError } from './redact.js';
import { SpanAttribute, SpanName } from './span-names.js';
import { noopSpan, noopTracer, type AttributeValue, type SpanHandle, type Tracer } from './types.js';

/** A `Tracer` with a lifecycle: `flush` exports what is queued, `shutdown` flushes and stops. */
export interface ManagedTracer extends Tracer {
  flush(): Promise<void>;
}

export const noopManagedTracer: ManagedTracer = { ...noopTracer, flush: async () => {} };

export interface TracerLifecycle {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export class OtelSpanHandle implements SpanHandle {
  readonly traceId: string;
  readonly spanId: string;
  private carrier: Record<string, string> | undefined;

  constructor(
    readonly span: Span,
    /** The context holding this span: children and outgoing calls are made from it. */
    readonly context: Context,
    private readonly propagator: TextMapPropagator,
  ) {
    const ids = span.spanContext();
    this.traceId = ids.traceId;
    this.spanId = ids.spanId;
  }

  setAttribute(key: string, value: AttributeValue): void {
    try {
      // URLs may carry credentials; everything else is set as given.
      this.span.setAttribute(key, typeof value === 'string' && value.includes('://') ? scrubString(value) : value);
    } catch {
      // see class comment
    }
  }

  recordError(error: unknown, code?: number): void {
    try {
      const e = toLogError(error, { code, stack: true });
      // No `code` in the exception: OpenTelemetry would report it as `exception.type`.
      const exception: { name: string; message: string; stack?: string } = { name: e.type, message: e.message };
      if (e.stack !== undefined) exception.stack = e.stack;
      this.span.recordException(exception);
      if (typeof e.code === 'number') this.span.setAttribute(SpanAttribute.errorCode, e.code);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    } catch {
      // see class comment
    }
  }

  end(): void {
    try {
      this.span.end();
    } catch {
      // see class comment
    }
  }

  traceparent(): string | undefined {
    try {
      if (this.carrier === undefined) {
        const carrier: Record<string, string> = {};
        this.propagator.inject(this.context, carrier, defaultTextMapSetter);
        this.carrier = carrier;
      }
      return this.carrier['traceparent'];
    } catch {
      return undefined;
    }
  }
}

/** Stands for a child of a span that records nothing: ids and outgoing context are the parent's. */
class UnrecordedChild implements SpanHandle {
  readonly traceId: string;
  readonly spanId: string;

  constructor(private readonly parent: OtelSpanHandle) {
    this.traceId = parent.traceId;
    this.spanId = parent.spanId;
  }

  setAttribute(): void {}

  recordError(): void {}

  end(): void {}

  traceparent(): string | undefined {
    return this.parent.traceparent();
  }
}

/** Span kind by name: upstream calls are clients, the rest is work inside the server span. */
function kindOf(name: string): SpanKind {
  return name === SpanName.upstreamHttp || name === SpanName.upstreamWebsocket ? SpanKind.CLIENT : SpanKind.INTERNAL;
}

export class OtelTracer implements ManagedTracer {
  readonly enabled = true;

  constructor(
    private readonly tracer: ApiTracer,
    private readonly propagator: TextMapPropagator,
    private readonly lifecycle: TracerLifecycle,
  ) {}

  startRequest(traceparent: string | undefined, tracestate: string | undefined): SpanHandle {
    try {
      let parent = ROOT_CONTEXT;
      if (traceparent !== undefined && traceparent !== '') {
        // An invalid header extracts to the root context: the request starts a new trace.
        const carrier: Record<string, string> = { traceparent };
        if (tracestate !== undefined && tracestate !== '') carrier['tracestate'] = tracestate;
        parent = this.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      }
      const span = this.tracer.startSpan(SpanName.request, { kind: SpanKind.SERVER }, parent);
      return new OtelSpanHandle(span, trace.setSpan(parent, span), this.propagator);
    } catch {
      return noopSpan;
    }
  }

  startChild(parent: SpanHandle, name: string, attributes?: Readonly<Record<string, AttributeValue>>): SpanHandle {
    if (parent instanceof UnrecordedChild) return parent;
    if (!(parent instanceof OtelSpanHandle)) return noopSpan;
    try {
      // Children of an unsampled span would be unsampled too: create none (most requests at
      // low sampling rates), but keep the parent's context for outgoing calls.
      // The sampled flag, not isRecording(): an ended parent (cache writes after the reply) still has children.
      if ((parent.span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return new UnrecordedChild(parent);
      const span = this.tracer.startSpan(name, { kind: kindOf(name) }, parent.context);
      const handle = new OtelSpanHandle(span, trace.setSpan(parent.context, span), this.propagator);
      if (attributes !== undefined) for (const [key, value] of Object.entries(attributes)) handle.setAttribute(key, value);
      return handle;
    } catch {
      return noopSpan;
    }
  }

  flush(): Promise<void> {
    return this.lifecycle.flush();
  }

  shutdown(): Promise<void> {
    return this.lifecycle.shutdown();
  }
}
