// The Redis URL forms the proxy accepts (JUSSI_REDIS_URL, JUSSI_REDIS_READ_REPLICA_URLS):
//
//   redis://[[user]:password@]host[:6379][/db]                    one server
//   rediss://[[user]:password@]host[:6379][/db]                   one server over TLS
//   redis+sentinel://[[user]:password@]host1[:26379],host2[:26379]/mastername[/db][?role=replica&sentinelPassword=..]
//                                                                  Sentinel; user/password are the
//                                                                  data nodes'; role=replica reads a replica
//   redis+cluster://[[user]:password@]host1[:6379],host2[:6379]    Redis Cluster (seed nodes)
//   rediss+cluster://...                                           Redis Cluster over TLS
//
// User and password are percent-decoded. IPv6 hosts are written in brackets (`[::1]:6379`).
// Multi-host URLs are not WHATWG URLs (`new URL` rejects them), so they are parsed here.

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

interface Credentials {
  readonly username: string | undefined;
  readonly password: string | undefined;
}

export type RedisTarget =
  | (Credentials & { readonly kind: 'standalone'; readonly host: string; readonly port: number; readonly tls: boolean; readonly db: number })
  | (Credentials & {
      readonly kind: 'sentinel';
      readonly sentinels: readonly HostPort[];
      readonly name: string;
      readonly db: number;
      readonly role: 'master' | 'slave';
      readonly sentinelPassword: string | undefined;
    })
  | (Credentials & { readonly kind: 'cluster'; readonly nodes: readonly HostPort[]; readonly tls: boolean });

export type RedisUrlResult = { readonly ok: true; readonly target: RedisTarget } | { readonly ok: false; readonly message: string };

const SHAPE = /^([a-z+]+):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i;

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;

export const REDIS_URL_FORMS =
  'redis://[:password@]host[:port][/db], rediss://..., redis+sentinel://[:password@]host1[:26379],host2[:26379]/mastername[/db], ' +
  'redis+cluster://[:password@]host1[:6379],host2[:6379], rediss+cluster://...';

function fail(message: string): RedisUrlResult {
  return { ok: false, message: `${message} (accepted forms: ${REDIS_URL_FORMS})` };
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function parseHost(text: string, defaultPort: number): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(text);
  if (m === null) return undefined;
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!(port > 0 && port < 65536)) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

function parseDb(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  return Number(text);
}

/** Parses one Redis URL; the error message says what is wrong and which forms are accepted. */
export function parseRedisUrl(url: string): RedisUrlResult {
  const m = SHAPE.exec(url.trim());
  if (m === null) return fail(`not a Redis URL: ${redactRedisUrl(url)}`);
  const scheme = (m[1] ?? '').toLowerCase();
  const userinfo = m[2];
  const hostsText = m[3] ?? '';
  const pathParts = (m[4] ?? '').split('/').slice(1);
  const query = new URLSearchParams(m[5] ?? '');

  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined && userinfo !== '') {
    const colon = userinfo.indexOf(':');
    const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const pass = colon < 0 ? '' : decode(userinfo.slice(colon + 1));
    if (user === undefined || pass === undefined) return fail('bad percent-encoding in user or password');
    // As ioredis and redis-py read it: `user@` alone is a user name, `:password@` a password.
    username = user === '' ? undefined : user;
    password = pass === '' ? undefined : pass;
  }

  const isSentinel = scheme === 'redis+sentinel';
  const hostTexts = hostsText.split(',');
  const hosts: HostPort[] = [];
  for (const h of hostTexts) {
    const parsed = parseHost(h, isSentinel ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT);
    if (parsed === undefined) return fail(`bad host "${h}"`);
    hosts.push(parsed);
  }
  const first = hosts[0];
  if (first === undefined) return fail('no host');

  switch (scheme) {
    case 'redis':
    case 'rediss': {
      if (hosts.length > 1) return fail(`${scheme}:// takes one host; use redis+sentinel:// or redis+cluster:// for several`);
      if (pathParts.length > 1) return fail('the path may only be a database number');
      const db = parseDb(pathParts[0]);
      if (db === undefined) return fail(`bad database number "${pathParts[0] ?? ''}"`);
      return { ok: true, target: { kind: 'standalone', host: first.host, port: first.port, tls: scheme === 'rediss', db, username, password } };
    }
    case 'redis+sentinel': {
      const name = decode(pathParts[0] ?? '');
      if (name === undefined || name === '') return fail('redis+sentinel:// needs the master name as the path: redis+sentinel://host:26379/mymaster');
      if (pathParts.length > 2) return fail('the path is /mastername[/db]');
      const db = parseDb(pathParts[1]);
      if (db === undefined) return fail(`bad database number "${pathParts[1] ?? ''}"`);
      const roleText = (query.get('role') ?? 'master').toLowerCase();
      if (roleText !== 'master' && roleText !== 'replica' && roleText !== 'slave') return fail(`bad role "${roleText}" (master or replica)`);
      return {
        ok: true,
        target: {
          kind: 'sentinel',
          sentinels: hosts,
          name,
          db,
          role: roleText === 'master' ? 'master' : 'slave',
          sentinelPassword: query.get('sentinelPassword') ?? undefined,
          username,
          password,
        },
      };
    }
    case 'redis+cluster':
    case 'rediss+cluster': {
      if (pathParts.length > 0 && pathParts.some((p) => p !== '' && p !== '0')) return fail('Redis Cluster has only database 0');
      return { ok: true, target: { kind: 'cluster', nodes: hosts, tls: scheme === 'rediss+cluster', username, password } };
    }
    default:
      return fail(`unknown scheme "${scheme}"`);
  }
}

/** The URL with any password replaced by `***`, for logs and /state. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^@/?#]*)@/i, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0) return `${scheme}***@`;
    return `${scheme}${userinfo.slice(0, colon)}:***@`;
  }).replace(/([?&]sentinelPassword=)[^&#]*/i, '$1***');
}
