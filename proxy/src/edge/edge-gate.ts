// The edge of the traffic port, as one object the HTTP layer and the pipeline call: for each
// config snapshot (the document's `edge` member under the JUSSI_* switches) it holds the client
// address resolver, the bucket table, the CORS policy, the security headers and the
// authenticator; across snapshots it keeps the rate limiter (its buckets survive reloads), the
// API key file watcher and the JWT verifier. With no edge configuration the gate is inactive
// and the HTTP layer skips it entirely: a request pays one property read.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { AUTH_OFF, type AuthConfig, type EdgeConfig, type JwtConfig } from '../config/edge-config.js';
import type { EdgeSettings } from '../config/settings.js';
import { FileConfigSource } from '../config/sources/file-source.js';
import type { EdgeMetrics, Logger } from '../observability/types.js';
import { ApiKeyStore } from './api-keys.js';
import { Authenticator, type AuthOutcome, type Identity } from './authenticator.js';
import { BucketTable } from './bucket-table.js';
import { ClientAddressResolver } from './client-address.js';
import { CorsPolicy, type HeaderList } from './cors.js';
import { JwtVerifier } from './jwt-verifier.js';
import { RateLimiter, type Caller, type RateLimitReport } from './rate-limiter.js';
import type { BucketStore } from './redis-bucket-store.js';
import { securityHeaders } from './security-headers.js';

/** What the pipeline needs to limit one request's calls. */
export interface EdgeCall {
  readonly caller: Caller;
  readonly identity: Identity;
  /** null: no bucket applies (no rate limits configured, or JUSSI_RATE_LIMITS=false). */
  readonly buckets: BucketTable | null;
  readonly limiter: RateLimiter;
}

export type EdgeEntry =
  | { readonly ok: true; readonly call: EdgeCall }
  | { readonly ok: false; readonly refusal: Extract<AuthOutcome, { ok: false }> };

interface EdgePlan {
  readonly resolver: ClientAddressResolver;
  readonly buckets: BucketTable | null;
  readonly cors: CorsPolicy | null;
  readonly security: HeaderList;
  readonly auth: AuthConfig;
  readonly anonymous: Identity;
  authenticator: Authenticator | null;
  /** Pending until the key file and JWT keys are read; null once ready. */
  ready: Promise<void> | null;
}

export interface EdgeGateOptions {
  readonly settings: EdgeSettings;
  readonly store: BucketStore | null;
  readonly logger: Logger;
  readonly metrics: EdgeMetrics;
}

const NO_HEADERS: HeaderList = [];

export class EdgeGate {
  readonly limiter: RateLimiter;
  private plan: EdgePlan | null = null;
  private keys: ApiKeyStore = ApiKeyStore.EMPTY;
  private keyFile: { path: string; source: FileConfigSource; loaded: Promise<void> } | null = null;
  private jwt: { config: JwtConfig; verifier: Promise<JwtVerifier | null> } | null = null;

  constructor(private readonly options: EdgeGateOptions) {
    const { logger, metrics } = options;
    this.limiter = new RateLimiter({
      store: options.store,
      peers: options.settings.rateLimitPeers,
      onModeChange: (mode, reason) => (mode === 'shared' ? logger.info({ rate_limit_mode: mode }, `rate limits: ${reason}`) : logger.warn({ rate_limit_mode: mode }, `rate limits: ${reason}`)),
      onLimited: (bucket) => metrics.rateLimited(bucket),
      onStoreError: (err) => logger.debug({ error: { type: 'RedisError', message: err instanceof Error ? err.message : String(err) } }, 'rate-limit script failed'),
    });
  }

  /** True when some edge feature runs for the current config. */
  get active(): boolean {
    return this.plan !== null;
  }

  /** Takes a new config's `edge` member (null: none). Never throws; problems are logged. */
  apply(edge: EdgeConfig | null): void {
    const s = this.options.settings;
    const auth = effectiveAuth(edge?.auth ?? AUTH_OFF, s);
    const securityOn = s.securityHeaders ?? edge?.securityHeaders != null;
    if (edge === null && auth.mode === 'off' && !securityOn) {
      this.plan = null;
      void this.watchKeys(null);
      this.jwt = null;
      return;
    }
    const bucketConfigs = s.rateLimits ? (edge?.buckets ?? []) : [];
    const plan: EdgePlan = {
      resolver: new ClientAddressResolver([...(edge?.trustedProxies ?? []), ...s.trustedProxies]),
      buckets: bucketConfigs.length === 0 ? null : new BucketTable(bucketConfigs),
      cors: s.cors && edge?.cors != null ? new CorsPolicy(edge.cors) : null,
      security: securityOn ? securityHeaders(edge?.securityHeaders ?? { hstsMaxAgeSeconds: 0 }) : NO_HEADERS,
      auth,
      anonymous: { kind: 'anonymous', subject: null, tier: auth.anonymousTier },
      authenticator: null,
      ready: null,
    };
    const keysLoaded = this.watchKeys(auth.mode === 'off' ? null : auth.apiKeysFile);
    const verifier = this.verifierFor(auth.mode === 'off' ? null : auth.jwt);
    if (auth.mode !== 'off') {
      plan.ready = Promise.all([keysLoaded, verifier]).then(([, jwt]) => {
        plan.authenticator = new Authenticator(auth, () => this.keys, jwt);
        plan.ready = null;
      });
    }
    this.plan = plan;
  }

  start(): void {
    this.limiter.start();
  }

  async close(): Promise<void> {
    void this.watchKeys(null);
    await this.limiter.stop();
  }

  report(): RateLimitReport | null {
    return this.plan?.buckets == null ? null : this.limiter.report();
  }

  /** CORS and security headers for any answer of the traffic port. */
  answerHeaders(headers: IncomingHttpHeaders): HeaderList {
    const plan = this.plan;
    if (plan === null) return NO_HEADERS;
    if (plan.cors === null) return plan.security;
    const cors = plan.cors.answerHeaders(headers.origin);
    return plan.security.length === 0 ? cors : [...cors, ...plan.security];
  }

  /** The answer headers of an `OPTIONS` preflight; null when CORS is off (the method is then not allowed). */
  preflight(headers: IncomingHttpHeaders): HeaderList | null {
    const plan = this.plan;
    if (plan === null || plan.cors === null) return null;
    const requested = headers['access-control-request-headers'];
    const cors = plan.cors.preflightHeaders(headers.origin, headers['access-control-request-method'], Array.isArray(requested) ? requested.join(', ') : requested);
    return plan.security.length === 0 ? cors : [...cors, ...plan.security];
  }

  /** Who is calling and which buckets count them; or the refusal (HTTP 401). */
  enter(request: IncomingMessage): EdgeEntry | Promise<EdgeEntry> {
    const plan = this.plan;
    if (plan === null) throw new Error('EdgeGate.enter called while inactive');
    if (plan.ready !== null) return plan.ready.then(() => this.enterReady(plan, request));
    return this.enterReady(plan, request);
  }

  private enterReady(plan: EdgePlan, request: IncomingMessage): EdgeEntry | Promise<EdgeEntry> {
    const address = plan.resolver.resolve(request.socket.remoteAddress, request.headers['x-forwarded-for']);
    const authenticator = plan.authenticator;
    if (authenticator === null) return this.entry(plan, address, { ok: true, identity: plan.anonymous });
    const outcome = authenticator.authenticate(request.headers, request.url ?? '/');
    return outcome instanceof Promise ? outcome.then((o) => this.entry(plan, address, o)) : this.entry(plan, address, outcome);
  }

  private entry(plan: EdgePlan, address: string, outcome: AuthOutcome): EdgeEntry {
    if (plan.auth.mode !== 'off') this.options.metrics.authResult(outcome.ok ? outcome.identity.kind : outcome.kind, outcome.ok);
    if (!outcome.ok) return { ok: false, refusal: outcome };
    return {
      ok: true,
      call: { caller: { address, subject: outcome.identity.subject }, identity: outcome.identity, buckets: plan.buckets, limiter: this.limiter },
    };
  }

  /** Watches the API key file (null: none); resolves once its first read is done. */
  private watchKeys(path: string | null): Promise<void> {
    if (this.keyFile !== null && this.keyFile.path === path) return this.keyFile.loaded;
    if (this.keyFile !== null) {
      const old = this.keyFile.source;
      old.stop().catch(() => undefined);
      this.keyFile = null;
    }
    this.keys = ApiKeyStore.EMPTY;
    if (path === null) return Promise.resolve();
    const { logger } = this.options;
    const source = new FileConfigSource(path);
    const loaded = source.start({
      document: (doc) => {
        const parsed = ApiKeyStore.parse(doc.text);
        this.keys = parsed.store;
        for (const p of parsed.problems) logger.warn({ api_keys_file: path, line: p.line }, `API key file: line ${p.line} is ignored: ${p.message}`);
        logger.info({ api_keys_file: path, keys: parsed.store.size }, 'API keys loaded');
      },
      error: (err) => logger.error({ api_keys_file: path, error: { type: 'ApiKeyFileError', message: err.message } }, 'API key file unreadable; the keys read last stay in use'),
    });
    this.keyFile = { path, source, loaded };
    return loaded;
  }

  private verifierFor(config: JwtConfig | null): Promise<JwtVerifier | null> {
    if (config === null) {
      this.jwt = null;
      return Promise.resolve(null);
    }
    if (this.jwt !== null && sameJwt(this.jwt.config, config)) return this.jwt.verifier;
    const verifier = JwtVerifier.create(config).catch((err: unknown) => {
      this.options.logger.error({ error: { type: 'JwtKeyError', message: err instanceof Error ? err.message : String(err) } }, 'JWT keys unusable: tokens are refused until the config or the key file is fixed');
      return null;
    });
    this.jwt = { config, verifier };
    return verifier;
  }
}

/** The document's auth under JUSSI_AUTH_MODE and JUSSI_API_KEYS_FILE. */
export function effectiveAuth(doc: AuthConfig, s: EdgeSettings): AuthConfig {
  return { ...doc, mode: s.authMode ?? doc.mode, apiKeysFile: doc.apiKeysFile ?? s.apiKeysFile };
}

function sameJwt(a: JwtConfig, b: JwtConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
