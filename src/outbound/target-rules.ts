// Which URLs outbound webhooks may go to (contract section 11). Pure: the
// address rules here, the resolution at every connection in target-guard.ts.
// In production only https: to public addresses;
// EMAIL_TRACKING_WEBHOOK_ALLOW_PRIVATE=true lifts both (tests, private networks).
import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

export const MAX_URL_LENGTH = 2_048;

/**
 * A unicast address on the public internet: not loopback, private,
 * link-local, carrier-grade NAT, unique-local, multicast, reserved, or an
 * IPv4-mapped or translated form of one of those (ipaddr.js's ranges).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** The URL as deliveries will use it, or the reason it may not be a target. */
export function checkTargetUrl(raw: string, allowPrivate: boolean): { url: URL } | { problem: string } {
  const text = raw.trim();
  if (text.length === 0 || text.length > MAX_URL_LENGTH) return { problem: `url must be 1 to ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'url must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'url must be an absolute http(s) URL' };
  if (url.protocol === 'http:' && !allowPrivate) return { problem: 'url must use https:' };
  // Credentials in a URL would be shown back in every listing of the endpoint.
  if (url.username || url.password) return { problem: 'url must not carry a user name or password' };
  if (url.hash) return { problem: 'url must not carry a #fragment' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !allowPrivate && !isPublicAddress(host)) return { problem: 'url must point at a public address' };
  return { url };
}

/** Why a resolved name may not be connected to, or null when every address is public. */
export function refusedAddresses(addresses: readonly string[], allowPrivate: boolean): string | null {
  if (addresses.length === 0) return 'the name resolves to no address';
  if (allowPrivate) return null;
  // One non-public address is enough to refuse: which one a connection
  // would take is not ours to choose once the name is handed on.
  return addresses.every(isPublicAddress) ? null : 'the name resolves to a non-public address';
}
