// CORS as pure functions of the configuration and the request's headers: which origins are
// allowed (exact, wildcard subdomains, or "*"), the answer to a preflight, and the headers of an
// actual answer. A disallowed origin gets no CORS headers at all (the browser then withholds
// the answer from the page), but is still served: non-browser clients send no Origin. Every
// answer that depends on Origin says so with `Vary: Origin`.

import type { CorsConfig } from '../config/edge-config.js';

export type HeaderList = readonly string[];

interface WildcardOrigin {
  /** `https://` */
  readonly scheme: string;
  /** `.example.com` (with the port when one was given: `.example.com:8443`). */
  readonly suffix: string;
}

export class CorsPolicy {
  private readonly any: boolean;
  private readonly exact: ReadonlySet<string>;
  private readonly wildcards: readonly WildcardOrigin[];
  private readonly methods: string;
  private readonly maxAge: string;
  private readonly expose: string | null;

  constructor(private readonly config: CorsConfig) {
    this.any = config.allowedOrigins.includes('*');
    this.exact = new Set(config.allowedOrigins.filter((o) => o !== '*' && !o.includes('://*.')).map((o) => o.toLowerCase()));
    this.wildcards = config.allowedOrigins
      .filter((o) => o.includes('://*.'))
      .map((o) => {
        const at = o.indexOf('://*.');
        return { scheme: o.slice(0, at + 3).toLowerCase(), suffix: o.slice(at + 4).toLowerCase() };
      });
    this.methods = config.allowedMethods.join(', ');
    this.maxAge = String(config.maxAgeSeconds);
    this.expose = config.exposeHeaders.length === 0 ? null : config.exposeHeaders.join(', ');
  }

  allows(origin: string): boolean {
    if (this.any) return true;
    const o = origin.toLowerCase();
    if (this.exact.has(o)) return true;
    for (const w of this.wildcards) {
      // `https://*.example.com` allows `https://a.example.com` and `https://a.b.example.com`,
      // not `https://example.com` nor `https://evil-example.com`.
      if (o.startsWith(w.scheme) && o.endsWith(w.suffix) && o.length > w.scheme.length + w.suffix.length) {
        const host = o.slice(w.scheme.length, o.length - w.suffix.length);
        if (!host.includes('/') && !host.includes(':') && !host.includes('@')) return true;
      }
    }
    return false;
  }

  /** `Access-Control-Allow-Origin`: `*` only when any origin is allowed and credentials are not. */
  private allowOrigin(origin: string): string {
    return this.any && !this.config.allowCredentials ? '*' : origin;
  }

  /** Headers for an actual (non-preflight) answer, as a flat name/value list. */
  answerHeaders(origin: string | undefined): HeaderList {
    if (origin === undefined || !this.allows(origin)) return ['vary', 'Origin'];
    const out = ['access-control-allow-origin', this.allowOrigin(origin), 'vary', 'Origin'];
    if (this.config.allowCredentials) out.push('access-control-allow-credentials', 'true');
    if (this.expose !== null) out.push('access-control-expose-headers', this.expose);
    return out;
  }

  /** The answer to `OPTIONS` with `Access-Control-Request-Method`. */
  preflightHeaders(origin: string | undefined, requestMethod: string | undefined, requestHeaders: string | undefined): HeaderList {
    const vary = ['vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'];
    if (origin === undefined || requestMethod === undefined || !this.allows(origin)) return vary;
    if (!this.config.allowedMethods.includes(requestMethod.trim().toUpperCase())) return vary;
    const headers = this.config.allowedHeaders === null ? (requestHeaders ?? '').trim() : this.config.allowedHeaders.join(', ');
    const out = ['access-control-allow-origin', this.allowOrigin(origin), ...vary, 'access-control-allow-methods', this.methods, 'access-control-max-age', this.maxAge];
    if (headers !== '') out.push('access-control-allow-headers', headers);
    if (this.config.allowCredentials) out.push('access-control-allow-credentials', 'true');
    return out;
  }
}
