// The client's address for rate limiting: the socket's peer, unless that peer is a trusted proxy
// (a configured CIDR: load balancer, ingress), in which case X-Forwarded-For is read from the
// right, skipping trusted hops; the first untrusted hop is the client. Entries left of it were
// written by the client itself and are never believed. Node's BlockList does the CIDR matching.

import { BlockList, isIP } from 'node:net';

const MAPPED_V4 = '::ffff:';

/** `::ffff:1.2.3.4` as `1.2.3.4`, so one client has one identity whichever stack it came in on. */
export function normaliseAddress(address: string): string {
  return address.startsWith(MAPPED_V4) && isIP(address.slice(MAPPED_V4.length)) === 4 ? address.slice(MAPPED_V4.length) : address;
}

export class ClientAddressResolver {
  private readonly trusted: BlockList | null;

  constructor(cidrs: readonly string[]) {
    if (cidrs.length === 0) {
      this.trusted = null;
      return;
    }
    const list = new BlockList();
    for (const cidr of cidrs) {
      const slash = cidr.indexOf('/');
      const address = slash < 0 ? cidr : cidr.slice(0, slash);
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (slash < 0) list.addAddress(address, family);
      else list.addSubnet(address, Number(cidr.slice(slash + 1)), family);
    }
    this.trusted = list;
  }

  /** True when `address` (normalised) is a trusted proxy. */
  isTrusted(address: string): boolean {
    if (this.trusted === null) return false;
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  resolve(remoteAddress: string | undefined, forwardedFor: string | readonly string[] | undefined): string {
    const peer = normaliseAddress(remoteAddress ?? 'unknown');
    if (this.trusted === null || forwardedFor === undefined || !this.isTrusted(peer)) return peer;
    const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normaliseAddress(stripPort((hops[i] as string).trim()));
      // A malformed entry ends the chain: the last trusted hop is all that is known.
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    return client;
  }
}

/** `1.2.3.4:5678` and `[::1]:5678` as addresses (some proxies append the port). */
function stripPort(hop: string): string {
  if (hop.startsWith('[')) {
    const end = hop.indexOf(']');
    return end < 0 ? hop : hop.slice(1, end);
  }
  const colon = hop.indexOf(':');
  return colon >= 0 && hop.indexOf(':', colon + 1) < 0 ? hop.slice(0, colon) : hop;
}
