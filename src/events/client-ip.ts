// The client's IP address: the socket's peer, or, behind TRUST_PROXY reverse
// proxies, the address the outermost trusted proxy saw in X-Forwarded-For.
import { isIP } from 'node:net';

function normalise(address: string): string {
  const trimmed = address.trim();
  // IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d
  return trimmed.toLowerCase().startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

/**
 * `hops` proxies are trusted: walking X-Forwarded-For from the right (the
 * nearest proxy first), each trusted hop vouches for the address to its left.
 * Spoofed entries further left are ignored; a malformed entry stops the walk.
 */
export function clientIp(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, hops: number): string {
  let client = normalise(socketAddress ?? '');
  if (hops === 0 || forwardedFor === undefined) return client;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const chain = header.split(',').map(normalise).filter((entry) => entry.length > 0);
  for (let trusted = 0; trusted < hops && chain.length > 0; trusted++) {
    const next = chain.pop() as string;
    if (isIP(next) === 0) break;
    client = next;
  }
  return client;
}
