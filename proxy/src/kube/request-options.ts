// Per-call options for client-node's typed APIs: a deadline (1.4.0 sets none, so a call to an
// unreachable or stalled API server would hang for ever) and, for patches, the Content-Type
// (the generated methods pick the first accepted media type, json-patch, unless told otherwise;
// TS_OPERATORS.md §1).

import { Observable, setHeaderOptions, type ConfigurationOptions, type PatchStrategy, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

export interface CallOptions {
  /** Abort the call after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Content-Type of the body, e.g. PatchStrategy.ServerSideApply. */
  readonly contentType?: PatchStrategy;
}

export function callOptions(options: CallOptions = {}): ConfigurationOptions {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline: ConfigurationOptions = {
    middleware: [{
      // The signal is made per request, when it is sent, so the deadline counts from then.
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        return new Observable(Promise.resolve(ctx));
      },
      post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
    }],
    middlewareMergeStrategy: 'append',
  };
  return options.contentType === undefined ? deadline : setHeaderOptions('Content-Type', options.contentType, deadline);
}
