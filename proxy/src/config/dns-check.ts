// JUSSI_TEST_UPSTREAM_URLS: every upstream host name must resolve (jussi `validate_urls`).
// Host names are resolved concurrently, each bounded by a short timeout; the unresolvable ones
// come back as values naming the URL. Whether that is fatal is the caller's decision.

import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface DnsProblem {
  readonly url: string;
  readonly host: string;
  readonly message: string;
}

export interface DnsCheckOptions {
  /** Per host name; default 2000 ms. */
  readonly timeoutMs?: number;
  /** The resolver; default `dns.promises.lookup` (getaddrinfo, as jussi's gethostbyname). */
  readonly lookup?: (host: string) => Promise<unknown>;
}

export const DEFAULT_DNS_TIMEOUT_MS = 2000;

/** Resolves the host of every URL once; returns one problem per URL whose host did not resolve. */
export async function checkUpstreamHosts(urls: Iterable<string>, options: DnsCheckOptions = {}): Promise<DnsProblem[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
  const lookup = options.lookup ?? ((host: string) => dnsLookup(host));
  const byHost = new Map<string, string[]>();
  const problems: DnsProblem[] = [];
  for (const url of new Set(urls)) {
    const host = hostOf(url);
    if (host === null) {
      problems.push({ url, host: '', message: `Invalid/unresolvable upstream hostname ${url}: not a URL with a host name` });
      continue;
    }
    if (isIP(host) !== 0) continue;
    const list = byHost.get(host);
    if (list === undefined) byHost.set(host, [url]);
    else list.push(url);
  }
  const failures = await Promise.all(
    [...byHost.keys()].map(async (host) => ({ host, error: await resolveWithin(lookup, host, timeoutMs) })),
  );
  for (const { host, error } of failures) {
    if (error === null) continue;
    for (const url of byHost.get(host) ?? []) {
      problems.push({ url, host, message: `Invalid/unresolvable upstream hostname ${url}: ${error}` });
    }
  }
  return problems;
}

function hostOf(url: string): string | null {
  try {
    const host = new URL(url).hostname;
    if (host === '') return null;
    // IPv6 literals come bracketed.
    return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  } catch {
    return null;
  }
}

/** null when the host resolved in time, else why not. */
async function resolveWithin(lookup: (host: string) => Promise<unknown>, host: string, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${host} did not resolve within ${timeoutMs} ms`), timeoutMs);
  });
  const attempt = lookup(host).then(
    () => null,
    (err: unknown) => `${host} does not resolve (${errorCode(err)})`,
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
