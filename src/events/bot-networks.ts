// Mail-security scanners that fetch pixels and follow links from their own
// networks with ordinary browser user agents: the client IP is the only sign.
// CIDR parsing and matching are ipaddr.js's; this module only holds the list.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Microsoft Exchange Online Protection (contract section 4): Safe Links detonations and EOP scans. */
export const BUILT_IN_BOT_NETWORKS: readonly string[] = [
  '40.92.0.0/15',
  '40.107.0.0/16',
  '52.100.0.0/14',
  '104.47.0.0/17',
  '2a01:111:f400::/48',
  '2a01:111:f403::/48',
];

type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * `a.b.c.d/n` or `v6::/n`, or a bare address as its single-host network, in
 * canonical form; null when it is none of these. IPv4 must be dotted decimal:
 * ipaddr.js would also read `0x28.1` or `40.92`, which no one means in a list.
 */
export function canonicalNetwork(text: string): string | null {
  const [address = '', prefix, ...rest] = text.trim().split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return null;
  const maxBits = family === 4 ? 32 : 128;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return null;
  const bits = prefix === undefined ? maxBits : Number(prefix);
  if (bits > maxBits) return null;
  return `${ipaddr.parse(address).toString()}/${bits}`;
}

export class BotNetworks {
  private readonly v4: Network[] = [];
  private readonly v6: Network[] = [];

  /** `networks`: canonical CIDRs (see canonicalNetwork) */
  constructor(networks: readonly string[]) {
    for (const network of networks) {
      const parsed = ipaddr.parseCIDR(network);
      (parsed[0].kind() === 'ipv4' ? this.v4 : this.v6).push(parsed);
    }
  }

  /**
   * Whether the plain client address lies in one of the networks. IPv4-mapped
   * IPv6 (`::ffff:40.92.1.1`, a dual-stack socket's form) is read as IPv4.
   */
  contains(ip: string): boolean {
    if (isIP(ip) === 0) return false;
    const address = ipaddr.process(ip);
    const networks = address.kind() === 'ipv4' ? this.v4 : this.v6;
    for (const network of networks) if (address.match(network)) return true;
    return false;
  }
}
